# Copyright (c) irg_mm contributors. All rights reserved.
"""graph_scope='global' with CUDA tensors: two gloo ranks on one GPU (the
case tools/dist_train.sh hands to gloo because nccl refuses it) train like
one process on the concatenated batch."""
from typing import Dict

import pytest
import torch
from cuda_cases import NEEDS_CUDA
from gloo_ranks import TwoLayerStudent, run_gloo_ranks
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from irg_mm.models import IRGEdgeLoss, IRGTransformLoss

WORLD_SIZE = 2
# Name -> instances of rank 0 and rank 1.
CASES = {'even': (4, 4), 'uneven': (5, 2)}
FLOAT64_TOLERANCE = dict(rtol=1e-7, atol=1e-12)

pytestmark = [pytest.mark.cuda, NEEDS_CUDA]


def _student() -> nn.Module:
    torch.manual_seed(0)
    return TwoLayerStudent().double().cuda()


def _batch(size: int) -> Dict[str, Tensor]:
    """Inputs and fixed teacher records of ``size`` instances, on the GPU."""
    generator = torch.Generator().manual_seed(size)
    batch = dict(
        inputs=torch.randn(size, 6, generator=generator),
        teacher_vertices=torch.rand(size, 3, generator=generator),
        teacher_transform=torch.rand(size, generator=generator))
    return {key: value.double().cuda() for key, value in batch.items()}


def _loss_and_grads(student: nn.Module,
                    batch: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """The global IRG loss, its device, and the student's gradients."""
    first, second = student(batch['inputs'])
    loss = IRGEdgeLoss(graph_scope='global')(
        second,
        batch['teacher_vertices']) + IRGTransformLoss(graph_scope='global')(
            (first - second).pow(2).sum(1), batch['teacher_transform'])
    loss.backward()
    result = {
        name.replace('module.', ''): param.grad.cpu()
        for name, param in student.named_parameters()
    }
    return dict(result, loss=loss.detach().cpu(), on_cuda=loss.is_cuda)


def _worker(rank: int) -> Dict[str, dict]:
    """One rank: both ranks share GPU 0, as on a one-GPU machine."""
    torch.cuda.set_device(0)
    results = {}
    for name, sizes in CASES.items():
        own = slice(sum(sizes[:rank]), sum(sizes[:rank + 1]))
        batch = {k: v[own] for k, v in _batch(sum(sizes)).items()}
        student = DistributedDataParallel(_student(), device_ids=[0])
        results[name] = _loss_and_grads(student, batch)
    return results


@pytest.fixture(scope='module')
def rank_results(tmp_path_factory) -> Dict[int, dict]:
    return run_gloo_ranks(_worker, tmp_path_factory.mktemp('cuda_gloo'),
                          WORLD_SIZE)


@pytest.mark.parametrize('name', list(CASES))
def test_two_ranks_on_one_gpu_equal_one_process(rank_results, name):
    expected = _loss_and_grads(_student(), _batch(sum(CASES[name])))
    assert float(expected['loss']) > 0
    for rank in range(WORLD_SIZE):
        actual = rank_results[rank][name]
        assert actual.pop('on_cuda'), 'the graph was not built on the GPU'
        assert actual.keys() == expected.keys() - {'on_cuda'}
        for key, value in actual.items():
            torch.testing.assert_close(
                value, expected[key], msg=key, **FLOAT64_TOLERANCE)
