# Copyright (c) irg_mm contributors. All rights reserved.
"""IRGTransformConnector on each device: equal to float64 references,
float32 under float16 and bfloat16 autocast, no host synchronisation."""
from typing import Tuple

import pytest
import torch
from cuda_cases import (AUTOCAST_DTYPES, DEVICES, FLOAT32_TOLERANCE,
                        NEEDS_CUDA, float64_cpu, full_float32, no_host_sync,
                        skip_unless_autocasts)
from torch import Tensor

from irg_mm.models.connectors import IRGTransformConnector

BATCH = 5
# The ends of a stride-2 stage: 8 -> 16 channels, 8x8 -> 4x4.
SHAPES = ((BATCH, 8, 8, 8), (BATCH, 16, 4, 4))


def _features() -> Tuple[Tensor, Tensor]:
    generator = torch.Generator().manual_seed(0)
    return tuple(torch.randn(shape, generator=generator) for shape in SHAPES)


def _reference(first: Tensor,
               second: Tensor,
               pooling: str,
               weight: Tensor = None) -> Tensor:
    """Lambda by hand: pool, align 16 -> 8 channels, squared distance."""
    if pooling == 'avg':
        first, second = first.mean(dim=(2, 3)), second.mean(dim=(2, 3))
    else:  # 2x2 block averages bring 8x8 down to 4x4
        first = first.reshape(BATCH, 8, 4, 2, 4, 2).mean(dim=(3, 5))
    if weight is None:  # adjacent pairs of channels averaged
        second = second.reshape(BATCH, 8, 2, *second.shape[2:]).mean(dim=2)
    else:  # the learned 1x1 projection
        second = torch.einsum('oc,bc...->bo...', weight, second)
    return (first - second).pow(2).flatten(1).sum(dim=1)


def _connector(device: str, pooling: str,
               channel_align: str) -> IRGTransformConnector:
    torch.manual_seed(0)
    in_channels = (8, 16) if channel_align == 'proj' else None
    return IRGTransformConnector(
        pooling=pooling, channel_align=channel_align,
        in_channels=in_channels).to(device)


def _projection(connector: IRGTransformConnector) -> Tensor:
    if connector.proj is None:
        return None
    return float64_cpu(connector.proj.weight)[:, :, 0, 0]


@pytest.mark.parametrize('pooling, channel_align', [('avg', 'avg'),
                                                    ('none', 'avg'),
                                                    ('avg', 'proj')])
@pytest.mark.parametrize('device', DEVICES)
@full_float32()
def test_transformation_equals_the_float64_reference(device, pooling,
                                                     channel_align):
    first, second = _features()
    connector = _connector(device, pooling, channel_align)
    transformation = connector([first.to(device), second.to(device)])
    expected = _reference(
        float64_cpu(first), float64_cpu(second), pooling,
        _projection(connector))
    assert transformation.device.type == device
    torch.testing.assert_close(transformation.detach().cpu().double(),
                               expected.detach(), **FLOAT32_TOLERANCE)


@pytest.mark.parametrize('pooling', ['avg', 'none'])
@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('autocast_dtype', AUTOCAST_DTYPES)
def test_autocast_features_give_a_float32_transformation(
        device, autocast_dtype, pooling):
    skip_unless_autocasts(device, autocast_dtype)
    # Half-precision records; half-precision maths would miss by ~1e-3.
    first, second = (x.to(autocast_dtype) for x in _features())
    connector = _connector(device, pooling, 'avg')
    with torch.autocast(device, dtype=autocast_dtype):
        transformation = connector([first.to(device), second.to(device)])
    assert transformation.dtype == torch.float32
    torch.testing.assert_close(
        transformation.cpu().double(),
        _reference(float64_cpu(first), float64_cpu(second), pooling),
        **FLOAT32_TOLERANCE)


@pytest.mark.cuda
@NEEDS_CUDA
def test_forward_and_backward_do_not_synchronise():
    first, second = (x.cuda().requires_grad_() for x in _features())
    connector = _connector('cuda', 'avg', 'proj')
    connector([first, second]).sum().backward()  # warm-up outside
    with no_host_sync():
        connector([first, second]).sum().backward()
