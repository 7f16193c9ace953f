# Copyright (c) irg_mm contributors. All rights reserved.
"""Checks that run before anything is built: the config, the schedule, the
checkpoints to load, the visualizer backends; each names the config key and
the fix. :func:`irg_mm.launch.build_runner` calls them, once each."""
