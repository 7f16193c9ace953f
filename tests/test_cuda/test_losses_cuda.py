# Copyright (c) irg_mm contributors. All rights reserved.
"""The IRG losses on each device: equal to float64 references, float32
maths under float16 and bfloat16 autocast, no host synchronisation."""
from typing import Callable, NamedTuple, Tuple

import pytest
import torch
from cuda_cases import (AUTOCAST_DTYPES, DEVICES, FLOAT32_TOLERANCE,
                        NEEDS_CUDA, edge_reference, float64_cpu, full_float32,
                        no_host_sync, skip_unless_autocasts, squared_distances,
                        transform_reference, vertex_reference)
from torch import Tensor

from irg_mm.models import losses
from irg_mm.models.losses import IRGEdgeLoss, IRGTransformLoss, IRGVertexLoss
from irg_mm.models.utils import batch_squared_distances

LOSS_WEIGHT = 1.5
BATCH = 6


class LossCase(NamedTuple):
    loss_type: type
    shapes: Tuple[tuple, tuple]
    reference: Callable[[Tensor, Tensor, float], Tensor]
    positive: bool = False  # transformations are squared distances


CASES = [
    pytest.param(
        LossCase(IRGVertexLoss, ((BATCH, 10), (BATCH, 10)), vertex_reference),
        id='vertex'),
    pytest.param(
        LossCase(IRGEdgeLoss, ((BATCH, 4, 3, 3), (BATCH, 7)), edge_reference),
        id='edge'),
    pytest.param(
        LossCase(IRGTransformLoss, ((BATCH, ), (BATCH, )), transform_reference,
                 True),
        id='transform'),
]


def test_every_irg_loss_has_a_case():
    covered = {param.values[0].loss_type.__name__ for param in CASES}
    assert covered == set(losses.__all__)


def _inputs(case: LossCase) -> Tuple[Tensor, Tensor]:
    """Seeded float32 student and teacher inputs on the CPU."""
    generator = torch.Generator().manual_seed(0)
    draw = torch.rand if case.positive else torch.randn
    return tuple(
        draw(shape, generator=generator) + (0.1 if case.positive else 0)
        for shape in case.shapes)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('device', DEVICES)
@full_float32()
def test_loss_and_gradient_equal_the_float64_reference(device, case):
    preds_S, preds_T = _inputs(case)
    student = preds_S.to(device).requires_grad_()
    loss = case.loss_type(loss_weight=LOSS_WEIGHT)(student, preds_T.to(device))
    loss.backward()
    student_64 = float64_cpu(preds_S, requires_grad=True)
    expected = case.reference(student_64, float64_cpu(preds_T), LOSS_WEIGHT)
    expected.backward()
    assert loss.device.type == device and loss.dtype == torch.float32
    torch.testing.assert_close(loss.detach().cpu().double(), expected.detach(),
                               **FLOAT32_TOLERANCE)
    torch.testing.assert_close(student.grad.cpu().double(), student_64.grad,
                               **FLOAT32_TOLERANCE)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('autocast_dtype', AUTOCAST_DTYPES)
def test_autocast_inputs_are_compared_in_float32(device, autocast_dtype, case):
    skip_unless_autocasts(device, autocast_dtype)
    # Half-precision records, as hook points under autocast hand them over;
    # half-precision maths on them would miss the reference by ~1e-3.
    preds_S, preds_T = (x.to(autocast_dtype) for x in _inputs(case))
    student = preds_S.to(device).requires_grad_()
    with torch.autocast(device, dtype=autocast_dtype):
        loss = case.loss_type(loss_weight=LOSS_WEIGHT)(student,
                                                       preds_T.to(device))
    loss.backward()
    expected = case.reference(
        float64_cpu(preds_S), float64_cpu(preds_T), LOSS_WEIGHT)
    assert loss.dtype == torch.float32
    assert student.grad.dtype == autocast_dtype
    assert torch.isfinite(student.grad).all()
    torch.testing.assert_close(loss.detach().cpu().double(), expected,
                               **FLOAT32_TOLERANCE)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('autocast_dtype', AUTOCAST_DTYPES)
def test_autocast_distances_are_float32(device, autocast_dtype):
    skip_unless_autocasts(device, autocast_dtype)
    features = torch.randn(
        BATCH, 32, generator=torch.Generator().manual_seed(1)) + 3
    features = features.to(autocast_dtype)
    with torch.autocast(device, dtype=autocast_dtype):
        distances = batch_squared_distances(features.to(device))
    assert distances.dtype == torch.float32
    torch.testing.assert_close(distances.cpu().double(),
                               squared_distances(float64_cpu(features)),
                               **FLOAT32_TOLERANCE)


@pytest.mark.cuda
@NEEDS_CUDA
@pytest.mark.parametrize('case', CASES)
def test_forward_and_backward_do_not_synchronise(case):
    preds_S, preds_T = (x.cuda() for x in _inputs(case))
    loss_module = case.loss_type()
    # The first call logs the graph size and warms cuBLAS up: outside.
    loss_module(preds_S.requires_grad_(), preds_T).backward()
    with no_host_sync():
        loss_module(preds_S, preds_T).backward()
