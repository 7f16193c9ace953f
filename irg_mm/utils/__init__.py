# Copyright (c) irg_mm contributors. All rights reserved.
from .distributed import init_cpu_distributed

__all__ = ['init_cpu_distributed']
