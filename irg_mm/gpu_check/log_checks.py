# Copyright (c) irg_mm contributors. All rights reserved.
"""Read what a stage's commands left into findings, one line each.

Each check reads a command's output, a run's logged scalars or its
checkpoint, and returns what it found, or raises :class:`StageFailed`
saying what is missing.
"""
import math
import os.path as osp
import re
from typing import List

from irg_mm.compat import safe_torch_load
from irg_mm.utils import load_scalars
from .stage_runner import StageFailed


def require(log: str, pattern: str, what: str) -> str:
    """The first match of ``pattern`` in ``log``, as a finding.

    Args:
        log (str): A command's output.
        pattern (str): A regular expression the log must match.
        what (str): What the match proves, for the finding.

    Returns:
        str: ``'<what>: `<match>`'``.

    Raises:
        StageFailed: If nothing in the log matches.

    Examples:
        >>> require('x\\nprocess group on nccl, world size 1',
        ...         r'process group on nccl.*', 'nccl')
        'nccl: `process group on nccl, world size 1`'
    """
    match = re.search(pattern, log)
    if match is None:
        raise StageFailed(f'{what}: no line matching {pattern!r} in the log')
    return f'{what}: `{match.group(0).strip()}`'


def pytest_summary(output: str) -> str:
    """pytest's closing counts.

    Args:
        output (str): pytest's output.

    Returns:
        str: The last line with counts, or ``'no pytest summary line'``.

    Examples:
        >>> pytest_summary('...\\n=== 30 passed, 4 xfailed in 9.1s ===\\n')
        '30 passed, 4 xfailed in 9.1s'
    """
    lines = [line.strip('= ') for line in output.strip().splitlines()]
    return next((line for line in reversed(lines)
                 if re.search(r'\d+ (passed|failed|skipped|error)', line)),
                'no pytest summary line')


def passed_tests(output: str) -> str:
    """pytest's closing counts, where at least one test passed.

    Args:
        output (str): pytest's output.

    Returns:
        str: Its summary line.

    Raises:
        StageFailed: If no test passed: all skipped means the tests did not
            see the GPU.

    Examples:
        >>> passed_tests('=== 3 passed, 1 skipped in 2.0s ===')
        '3 passed, 1 skipped in 2.0s'
    """
    summary = pytest_summary(output)
    if not re.search(r'\d+ passed', summary):
        raise StageFailed(f'no CUDA test passed: {summary}')
    return summary


def pytest_notes(output: str) -> List[str]:
    """pytest's XFAIL, XPASS, SKIPPED, FAILED and ERROR lines (``-rfEsxX``).

    Args:
        output (str): pytest's output.

    Returns:
        List[str]: Those lines, in order.

    Examples:
        >>> pytest_notes('t.py .x\\nXFAIL t.py::test_a - slow\\n1 passed')
        ['XFAIL t.py::test_a - slow']
    """
    return [
        line for line in output.splitlines()
        if line.startswith(('XFAIL', 'XPASS', 'SKIPPED', 'FAILED', 'ERROR'))
    ]


def finite_losses(work_dir: str, after_epoch: int = 0) -> List[str]:
    """Check that every loss the latest run logged is finite.

    Args:
        work_dir (str): The run's ``--work-dir``.
        after_epoch (int): Read only the records of later epochs (those of
            a resumed run). Defaults to 0.

    Returns:
        List[str]: One finding: how many iterations, the last losses.

    Raises:
        StageFailed: If a loss is not finite, or nothing was logged.
    """
    records = [
        r for r in load_scalars(work_dir)
        if 'loss' in r and r.get('epoch', 0) > after_epoch
    ]
    if not records:
        raise StageFailed(f'{work_dir}: no training record after epoch '
                          f'{after_epoch}')
    for record in records:
        bad = {
            k: v
            for k, v in record.items() if 'loss' in k and not math.isfinite(v)
        }
        if bad:
            raise StageFailed(f'{work_dir}: non-finite losses at iteration '
                              f'{record.get("iter")}: {bad}')
    last = records[-1]
    terms = ', '.join(f'{k} {v:.4g}' for k, v in last.items() if 'irg' in k)
    return [
        f'{osp.basename(work_dir)}: {len(records)} iterations logged (epochs '
        f'{records[0]["epoch"]}-{last["epoch"]}), every loss finite; last: '
        f'loss {last["loss"]:.4g}, {terms}'
    ]


def loss_scale(checkpoint: str) -> str:
    """The GradScaler state an AMP run saved with its optimizer.

    Args:
        checkpoint (str): A checkpoint of a ``--amp`` run.

    Returns:
        str: A finding with the saved loss scale.

    Raises:
        StageFailed: If the optimizer state holds no loss scaler.
    """
    state = safe_torch_load(checkpoint, map_location='cpu')['optimizer']
    if 'loss_scaler' not in state:
        raise StageFailed(f'{checkpoint}: no loss_scaler in the optimizer '
                          'state, so no loss scaling ran')
    scale = state['loss_scaler']['scale']
    return (f'GradScaler state saved with the optimizer: scale {scale:g} '
            f'in {osp.basename(checkpoint)}')
