# Copyright (c) irg_mm contributors. All rights reserved.
"""The GPU check: irg_mm's GPU path proved on one CUDA GPU in minutes.

``bash tools/gpu_check.sh`` (``tools/analysis/gpu_check.py``) first installs
what its Python lacks, keeping the torch there
(``tools/analysis/install_missing.py``), and only then imports this
package, which needs irg_mm's dependencies. Its stages (:data:`STAGES`)
run in subprocesses, all within one time budget:

1. tests: the suite's CUDA tests (``pytest tests -m cuda``) but the DDP
   file: every loss, the recorder, the connector and the distiller equal
   float64 references on the GPU, float32 maths under float16 and bfloat16
   autocast, and the host-synchronisation checks;
2. ddp: two gloo ranks sharing the GPU build the global graph exactly like
   one process on the concatenated batch
   (``tests/test_cuda/test_distributed_cuda.py``);
   ``tools/dist_train.sh CONFIG 2`` on the one GPU (gloo, and the log says
   so) and ``tools/dist_train.sh CONFIG 1`` (nccl);
3. amp: ``tools/train.py CONFIG --amp``: float16 autocast with dynamic
   loss scaling, finite IRG terms, then ``--resume`` continues the run;
4. benchmark: ``tools/analysis/cost_benchmark.py --device cuda``, kernel
   and step sections at the recipe's batch of 32 per GPU.

:class:`StageRunner` runs them against the deadline, :mod:`.log_checks`
turns what their commands left into findings, and :func:`render_report`
writes ``WORK_DIR/report.md`` with the machine (:mod:`.machine`), the
versions, and each stage's verdict, findings and commands.
"""
from .log_checks import (finite_losses, loss_scale, passed_tests, pytest_notes,
                         pytest_summary, require)
from .machine import git_commit, machine_rows
from .report import render_report
from .stage_runner import StageFailed, StageResult, StageRunner
from .stages import STAGES

__all__ = [
    'finite_losses', 'loss_scale', 'passed_tests', 'pytest_notes',
    'pytest_summary', 'require', 'git_commit', 'machine_rows', 'render_report',
    'StageFailed', 'StageResult', 'StageRunner', 'STAGES'
]
