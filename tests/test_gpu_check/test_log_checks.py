# Copyright (c) irg_mm contributors. All rights reserved.
"""irg_mm.gpu_check.log_checks: findings from logs, failures where a check
does not hold."""
import json

import pytest

from irg_mm.gpu_check import (StageFailed, finite_losses, pytest_summary,
                              require)


def test_require_and_pytest_summary():
    log = ('x\nirg_mm: process group on nccl (one GPU per rank), world size 1 '
           '\ny')
    assert require(log, r'process group on nccl .*', 'nccl') == (
        'nccl: `process group on nccl (one GPU per rank), world size 1`')
    with pytest.raises(StageFailed, match='gloo: no line'):
        require(log, r'on gloo', 'gloo')
    assert pytest_summary('...\n=== 30 passed, 4 xfailed in 9.1s ===\n') == (
        '30 passed, 4 xfailed in 9.1s')


def test_finite_losses_reads_the_latest_run(tmp_path):
    run = tmp_path / '20261202_000000' / 'vis_data'
    run.mkdir(parents=True)
    records = [
        dict(loss=1.0, epoch=1, iter=1, **{'distill.loss_irg_edge0': 0.5}),
        dict(loss=0.5, epoch=2, iter=2, **{'distill.loss_irg_edge0': 0.25}),
    ]
    (run / 'scalars.json').write_text('\n'.join(map(json.dumps, records)))
    assert finite_losses(
        str(tmp_path), after_epoch=1) == [
            f'{tmp_path.name}: 1 iterations logged (epochs 2-2), every loss '
            'finite; last: loss 0.5, distill.loss_irg_edge0 0.25'
        ]
    records[1]['distill.loss_irg_edge0'] = float('nan')
    (run / 'scalars.json').write_text('\n'.join(map(json.dumps, records)))
    with pytest.raises(StageFailed, match='non-finite losses'):
        finite_losses(str(tmp_path))
