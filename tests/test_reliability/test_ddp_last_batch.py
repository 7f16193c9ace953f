# Copyright (c) irg_mm contributors. All rights reserved.
"""A last batch of one instance on one DDP rank trains on, it never hangs.

Two gloo processes; rank 1 holds a single instance (a last batch without
``drop_last``). All three IRG losses run through a DDP student, and the
backward must finish on both ranks (a loss that skipped part of the student
would leave DDP waiting for gradients) with finite values. In ``'local'``
scope rank 1's edge loss is the documented connected zero with a warning;
in ``'global'`` scope the graph spans both ranks and nothing warns.
tests/test_distributed/test_graph_scope.py proves the global values exact.
"""
import warnings
from typing import Dict, Tuple

import pytest
import torch
import torch.nn as nn
from gloo_ranks import run_gloo_ranks
from torch.nn.parallel import DistributedDataParallel

from irg_mm.models import IRGEdgeLoss, IRGTransformLoss, IRGVertexLoss

WORLD_SIZE = 2
BATCH_SIZES = (3, 1)
SCOPES = ('local', 'global')


class _TwoLayers(nn.Module):
    """Two layers of equal width: edges on the second, a transformation
    between the two."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(6, 6)
        self.second = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        first = torch.relu(self.first(x))
        return first, torch.relu(self.second(first))


def _losses(student: nn.Module, inputs: torch.Tensor, scope: str) -> Dict:
    """Vertex (logits), edge and transformation losses of one batch."""
    torch.manual_seed(len(inputs))
    teacher_logits = torch.rand(len(inputs), 4)
    teacher_vertices = torch.rand(len(inputs), 5)
    teacher_transform = torch.rand(len(inputs))
    first, second = student(inputs)
    return dict(
        vertex=IRGVertexLoss()(second[:, :4], teacher_logits),
        edge=IRGEdgeLoss(graph_scope=scope)(second, teacher_vertices),
        transform=IRGTransformLoss(graph_scope=scope)(
            (first - second).pow(2).sum(1), teacher_transform))


def _worker(rank: int) -> dict:
    results = {}
    for scope in SCOPES:
        torch.manual_seed(0)
        student = DistributedDataParallel(_TwoLayers().double())
        inputs = torch.randn(BATCH_SIZES[rank], 6).double()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            losses = _losses(student, inputs, scope)
            sum(losses.values()).backward()
        results[scope] = dict(
            losses={
                k: float(v)
                for k, v in losses.items()
            },
            grads_finite=all(
                bool(torch.isfinite(p.grad).all())
                for p in student.parameters()),
            warnings=[str(w.message) for w in caught])
    return results


@pytest.fixture(scope='module')
def ranks(tmp_path_factory) -> Dict[int, dict]:
    return run_gloo_ranks(_worker, tmp_path_factory.mktemp('ddp_last_batch'),
                          WORLD_SIZE)


@pytest.mark.parametrize('scope', SCOPES)
def test_one_instance_rank_trains_on(ranks, scope):
    for rank in range(WORLD_SIZE):
        result = ranks[rank][scope]
        assert result['grads_finite'], (rank, scope)
        assert all(
            torch.isfinite(torch.tensor(v))
            for v in result['losses'].values()), (rank, scope)


def test_local_edge_loss_of_one_instance_is_zero_and_warns(ranks):
    single = ranks[1]['local']
    assert single['losses']['edge'] == 0
    assert single['losses']['transform'] == 0
    assert single['losses']['vertex'] > 0
    assert any('batch of one instance' in w for w in single['warnings'])
    assert not any('one instance' in w for w in ranks[0]['local']['warnings'])


def test_global_graph_spans_both_ranks(ranks):
    for rank in range(WORLD_SIZE):
        result = ranks[rank]['global']
        assert result['losses']['edge'] > 0
        assert not any('one instance' in w for w in result['warnings'])
    # Every rank computes the same global loss.
    assert ranks[0]['global']['losses']['edge'] == pytest.approx(
        ranks[1]['global']['losses']['edge'])
