# Copyright (c) irg_mm contributors. All rights reserved.
"""IRGDistiller end to end on each device: hook points, connectors and every
IRG term of a float32 run equal the same distiller in float64 on the CPU,
and under float16 / bfloat16 autocast every term stays float32."""
import copy
from typing import Dict, Tuple

import pytest
import torch
from cuda_cases import (AUTOCAST_DTYPES, DEVICES, full_float32,
                        skip_unless_autocasts)
from mmrazor.registry import MODELS
from tiny_data import cifar_classifier
from torch import Tensor, nn

DISTILLER = dict(
    type='IRGDistiller',
    vertex=dict(loss_weight=0.1),
    edges=dict(
        teacher='backbone.layer3.2',
        student=['backbone.layer3.0', 'backbone.layer2.0'],
        loss_weight=0.5),
    transforms=[
        dict(
            student=['backbone.layer1.0', 'backbone.layer2.0'],
            teacher=['backbone.layer1.2', 'backbone.layer2.2'],
            loss_weight=2.0)
    ])
TERMS = {
    'loss_irg_vertex', 'loss_irg_edge0', 'loss_irg_edge1',
    'loss_irg_transform0'
}
# float32 convolutions of a 20-layer teacher against float64.
NETWORK_TOLERANCE = dict(rtol=1e-4, atol=1e-6)


def _networks() -> Tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return cifar_classifier(8, 8), cifar_classifier(20, 16).eval()


def _distill(student: nn.Module, teacher: nn.Module,
             images: Tensor) -> Tuple[Dict[str, Tensor], nn.Module]:
    """One forward of both networks; the losses and the distiller."""
    distiller = MODELS.build(copy.deepcopy(DISTILLER))
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    with distiller.teacher_recorders, torch.no_grad():
        teacher(images, mode='tensor')
    with distiller.student_recorders:
        student(images, mode='tensor')
    losses = distiller.compute_distill_losses()
    assert set(losses) == TERMS
    return losses, distiller


def _images() -> Tensor:
    return torch.rand(6, 3, 16, 16, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize('device', DEVICES)
@full_float32()
def test_every_term_and_gradient_equal_the_float64_run(device):
    student, teacher = (net.to(device) for net in _networks())
    losses, _ = _distill(student, teacher, _images().to(device))
    sum(losses.values()).backward()
    student_64, teacher_64 = (net.double() for net in _networks())
    expected, _ = _distill(student_64, teacher_64, _images().double())
    sum(expected.values()).backward()
    for name, loss in losses.items():
        assert loss.device.type == device and loss.dtype == torch.float32
        # .double(): IRGTransformConnector computes float64 records in
        # float32 too, so that term of the reference is float32.
        torch.testing.assert_close(
            loss.detach().cpu().double(),
            expected[name].detach().double(),
            msg=lambda detail: f'{name}: {detail}',
            **NETWORK_TOLERANCE)
    torch.testing.assert_close(
        student.backbone.conv1.weight.grad.cpu().double(),
        student_64.backbone.conv1.weight.grad, **NETWORK_TOLERANCE)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('autocast_dtype', AUTOCAST_DTYPES)
def test_autocast_keeps_every_term_float32(device, autocast_dtype):
    skip_unless_autocasts(device, autocast_dtype)
    student, teacher = (net.to(device) for net in _networks())
    with torch.autocast(device, dtype=autocast_dtype):
        losses, distiller = _distill(student, teacher, _images().to(device))
    edge_records = distiller.student_recorders.recorders['irg_edges']
    # Autocast reached the hook points: the maths had half inputs.
    assert edge_records.get_record_data(data_idx=0).dtype == autocast_dtype
    for name, loss in losses.items():
        assert loss.dtype == torch.float32, name
        assert torch.isfinite(loss), name
    sum(losses.values()).backward()
    grad = student.backbone.conv1.weight.grad
    assert grad.dtype == torch.float32 and torch.isfinite(grad).all()
