# Copyright (c) irg_mm contributors. All rights reserved.
"""The cost benchmark: what IRG costs in time and memory, against KD and
against the matrix-product floor (docs/cost_benchmark.md).

``tools/analysis/cost_benchmark.py`` is its command line. The sections
(:mod:`.sections`) run one worker per measurement in a fresh process
(:mod:`.workers`); workers time (:mod:`.timing`) and measure the peak
memory (:mod:`.memory`) of the kernels (:mod:`.kernels`) and training steps
(:mod:`.steps`) that :class:`Settings` chooses; the sections judge the
results against the targets (:mod:`.targets`).
"""
from .sections import SECTIONS, run_sections
from .settings import Settings
from .targets import TARGETS, Target
from .workers import WORKERS, run_worker

__all__ = [
    'SECTIONS', 'run_sections', 'Settings', 'TARGETS', 'Target', 'WORKERS',
    'run_worker'
]
