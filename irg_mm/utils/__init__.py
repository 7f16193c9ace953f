# Copyright (c) irg_mm contributors. All rights reserved.
"""Helpers that know nothing of the rest of irg_mm: command-line literals,
process lifetime and log readers."""
from .process_lifetime import end_with_parent
from .run_logs import load_scalars

__all__ = ['end_with_parent', 'load_scalars']
