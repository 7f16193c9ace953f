# Copyright (c) irg_mm contributors. All rights reserved.
"""Accuracy grids: methods x seeds, sweeps chosen on the validation split,
ablations, and their tables, all from committed per-run logs.

``tools/analysis/run_benchmark.py`` is the command line over it.
"""
from .grid_runner import GridRunner
from .report import GridResults, RunResult, write_report
from .selection import choose_setting
from .spec import GridSpecError, Run, check_spec, load_spec

__all__ = [
    'GridRunner', 'GridResults', 'RunResult', 'write_report', 'choose_setting',
    'GridSpecError', 'Run', 'check_spec', 'load_spec'
]
