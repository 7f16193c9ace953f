# Copyright (c) irg_mm contributors. All rights reserved.
"""From a parsed command line to a running Runner: the tools' arguments,
the Runner built once after the pre-flight checks, the CPU process group,
the work-dir lock, one-line user errors, and what a distillation checkpoint
holds for testing and export."""
from .distributed import init_distributed
from .runner_args import (add_runner_args, apply_runner_args, load_config,
                          parse_runner_args)
from .runner_builder import build_runner
from .user_errors import exit_on_user_error
from .work_dir_lock import lock_work_dir

__all__ = [
    'init_distributed', 'add_runner_args', 'apply_runner_args', 'build_runner',
    'load_config', 'parse_runner_args', 'exit_on_user_error', 'lock_work_dir'
]
