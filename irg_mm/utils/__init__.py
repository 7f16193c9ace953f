# Copyright (c) irg_mm contributors. All rights reserved.
from .distributed import init_distributed
from .process_lifetime import end_with_parent
from .run_logs import load_scalars
from .tool_args import (add_runner_args, apply_runner_args, build_runner,
                        load_config, parse_runner_args)

__all__ = [
    'init_distributed', 'end_with_parent', 'load_scalars', 'add_runner_args',
    'apply_runner_args', 'build_runner', 'load_config', 'parse_runner_args'
]
