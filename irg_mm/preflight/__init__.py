# Copyright (c) irg_mm contributors. All rights reserved.
"""From a parsed command line to a Runner, each step once: config and
checkpoint checks, the CPU process group, the Runner."""
from .distributed import init_distributed
from .tool_args import (add_runner_args, apply_runner_args, build_runner,
                        load_config, parse_runner_args)
from .user_errors import exit_on_user_error
from .work_dir_lock import lock_work_dir

__all__ = [
    'init_distributed', 'add_runner_args', 'apply_runner_args', 'build_runner',
    'load_config', 'parse_runner_args', 'exit_on_user_error', 'lock_work_dir'
]
