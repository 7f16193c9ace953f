# Copyright (c) irg_mm contributors. All rights reserved.
"""graph_scope of the IRG losses under DDP: two gloo processes on the CPU.

The proof: with ``graph_scope='global'`` the loss and the student's
parameter gradients (after DDP's averaging) equal those of one process
training on the concatenated batch, also for unequal per-rank batches and a
rank with one instance; with ``'local'`` DDP trains on the average of the
per-rank losses.
"""
import os
import subprocess
import sys
from typing import Dict, Tuple

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn
from gloo_ranks import TwoLayerStudent, free_port, run_gloo_ranks
from torch import Tensor
from torch.nn.parallel import DistributedDataParallel

from irg_mm.models import IRGEdgeLoss, IRGTransformLoss
from irg_mm.models.utils import dist_gather
from irg_mm.models.utils.dist_gather import InstanceGather

IRG_CONFIG = 'configs/digits/irg_resnet8-w8_resnet20_digits.py'
WORLD_SIZE = 2
# Name -> (graph scope, instances of rank 0, instances of rank 1).
CASES = {
    'global_even': ('global', 4, 4),
    'global_uneven': ('global', 5, 2),
    'global_single': ('global', 6, 1),
    'local_even': ('local', 4, 4),
}


def _make_student() -> TwoLayerStudent:
    torch.manual_seed(0)
    return TwoLayerStudent().double()


def _make_batch(size: int) -> Dict[str, Tensor]:
    """Inputs and fixed teacher records of ``size`` instances."""
    generator = torch.Generator().manual_seed(size)
    teacher_maps = torch.rand(2, size, 5, generator=generator).double()
    return dict(
        inputs=torch.randn(size, 6, generator=generator).double(),
        teacher_vertices=torch.rand(size, 3, generator=generator).double(),
        teacher_transform=(teacher_maps[0] - teacher_maps[1]).pow(2).sum(1))


def _irg_loss(student: nn.Module, batch: Dict[str, Tensor],
              scope: str) -> Tensor:
    """IRG edge + transformation loss of the student on ``batch``."""
    first, second = student(batch['inputs'])
    edge = IRGEdgeLoss(graph_scope=scope)
    transform = IRGTransformLoss(graph_scope=scope)
    return (edge(second, batch['teacher_vertices']) + transform(
        (first - second).pow(2).sum(1), batch['teacher_transform']))


def _loss_and_grads(student: nn.Module, batch: Dict[str, Tensor],
                    scope: str) -> Dict[str, Tensor]:
    loss = _irg_loss(student, batch, scope)
    loss.backward()
    grads = {name: p.grad.clone() for name, p in student.named_parameters()}
    student.zero_grad()
    return dict(loss=loss.detach(), **grads)


def _rank_slice(rank: int, sizes: Tuple[int, int]) -> slice:
    return slice(sum(sizes[:rank]), sum(sizes[:rank + 1]))


def _worker(rank: int) -> dict:
    """One DDP rank: every case's loss (averaged over ranks) and grads."""
    results = {}
    for name, (scope, *sizes) in CASES.items():
        batch = _make_batch(sum(sizes))
        own = {k: v[_rank_slice(rank, sizes)] for k, v in batch.items()}
        ddp = DistributedDataParallel(_make_student())
        result = _loss_and_grads(ddp, own, scope)
        # What DDP trains on is the mean of the ranks' losses.
        dist.all_reduce(result['loss'])
        result['loss'] /= WORLD_SIZE
        results[name] = {
            k.replace('module.', ''): v
            for k, v in result.items()
        }
    return results


@pytest.fixture(scope='module')
def ddp_results(tmp_path_factory) -> Dict[int, dict]:
    return run_gloo_ranks(_worker, tmp_path_factory.mktemp('graph_scope'),
                          WORLD_SIZE)


def _single_process(name: str) -> Dict[str, Tensor]:
    """The reference: one process on the concatenated batch, or, in local
    scope, the mean over the per-rank half batches."""
    scope, *sizes = CASES[name]
    batch = _make_batch(sum(sizes))
    if scope == 'global':
        return _loss_and_grads(_make_student(), batch, scope)
    halves = [
        _loss_and_grads(_make_student(), {
            k: v[_rank_slice(rank, sizes)]
            for k, v in batch.items()
        }, scope) for rank in range(WORLD_SIZE)
    ]
    return {k: sum(h[k] for h in halves) / WORLD_SIZE for k in halves[0]}


@pytest.mark.parametrize('name', list(CASES))
def test_ddp_equals_single_process(ddp_results, name):
    expected = _single_process(name)
    for rank in range(WORLD_SIZE):
        actual = ddp_results[rank][name]
        assert actual.keys() == expected.keys()
        for key, value in expected.items():
            torch.testing.assert_close(
                actual[key], value, rtol=1e-5, atol=1e-12, msg=key)
    assert float(expected['loss']) > 0


def test_global_graph_differs_from_local(ddp_results):
    # Otherwise the equality above would prove nothing about the scope.
    global_loss = ddp_results[0]['global_even']['loss']
    local_loss = ddp_results[0]['local_even']['loss']
    assert not torch.allclose(global_loss, local_loss)


def test_dist_train_builds_the_global_graph(tmp_path, repo_root):
    """IRGDistiller passes graph_scope on, and the log states the graph."""
    # 125 images on 2 ranks: one batch of 63 a rank and epoch.
    options = [
        'model.teacher_ckpt=None', 'preflight.allow_random_teacher=True',
        'train_dataloader.dataset.train_fraction=0.1',
        'train_cfg.max_epochs=2', 'model.distiller.edges.graph_scope=global',
        *(f'model.distiller.transforms.{i}.graph_scope=global'
          for i in range(2))
    ]
    result = subprocess.run([
        'bash', 'tools/dist_train.sh', IRG_CONFIG,
        str(WORLD_SIZE), '--no-validate', '--work-dir',
        str(tmp_path), '--cfg-options', *options
    ],
                            cwd=repo_root,
                            env=dict(
                                os.environ,
                                PYTHON=sys.executable,
                                OMP_NUM_THREADS='1',
                                PORT=str(free_port())),
                            capture_output=True,
                            text=True,
                            timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    for loss in ('IRGEdgeLoss', 'IRGTransformLoss'):
        assert (f'{loss}: graph over 126 instances (global, world size 2, '
                'student records in float32)') in log
    assert 'local, world size' not in log


def test_global_scope_without_process_group_is_local():
    batch = _make_batch(5)
    global_result = _loss_and_grads(_make_student(), batch, 'global')
    local_result = _loss_and_grads(_make_student(), batch, 'local')
    for key, value in local_result.items():
        torch.testing.assert_close(global_result[key], value, msg=key)


def test_graph_size_is_logged_once(monkeypatch):
    logged = []
    monkeypatch.setattr(dist_gather, 'print_log',
                        lambda msg, logger: logged.append(msg))
    graph = InstanceGather('global', 'IRGEdgeLoss')
    graph(torch.rand(3, 4, dtype=torch.bfloat16), torch.rand(3, 2))
    graph(torch.rand(2, 4), torch.rand(2, 2))
    assert logged == [
        'IRGEdgeLoss: graph over 3 instances (global, world size 1, '
        'student records in bfloat16)'
    ]


@pytest.mark.parametrize('loss_type', [IRGEdgeLoss, IRGTransformLoss])
def test_unknown_graph_scope_is_rejected(loss_type):
    with pytest.raises(ValueError, match="graph_scope must be 'local' or"):
        loss_type(graph_scope='node')
