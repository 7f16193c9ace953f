# Copyright (c) irg_mm contributors. All rights reserved.
"""IRGGraphRecorder on each device: the vertices equal a float64 reference
and stay on the network's device; recording never synchronises."""
import pytest
import torch
from cuda_cases import (DEVICES, FLOAT32_TOLERANCE, NEEDS_CUDA, full_float32,
                        no_host_sync)
from torch import nn

from irg_mm.models.recorders import IRGGraphRecorder

SOURCES = ['0', '2']


def _network() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3))


def _record(network: nn.Module, images: torch.Tensor, pooling: str) -> list:
    recorder = IRGGraphRecorder(SOURCES, pooling=pooling)
    recorder.initialize(network)
    with recorder:
        network(images)
    return recorder.get_record_data()


def _reference(images: torch.Tensor, pooling: str) -> list:
    """The two hook points' outputs in float64, pooled by hand."""
    network = _network().double()
    first = network[0](images.double())
    second = network[2](network[1](first))
    if pooling == 'flatten':
        return [first.flatten(1), second.flatten(1)]
    return [first.mean(dim=(2, 3)), second.mean(dim=(2, 3))]


@pytest.mark.parametrize('pooling', ['avg', 'flatten'])
@pytest.mark.parametrize('device', DEVICES)
@full_float32()
def test_vertices_equal_the_float64_reference(device, pooling):
    images = torch.rand(5, 3, 9, 9, generator=torch.Generator().manual_seed(0))
    vertices = _record(_network().to(device), images.to(device), pooling)
    for vertex, expected in zip(vertices, _reference(images, pooling)):
        assert vertex.device.type == device
        torch.testing.assert_close(vertex.cpu().double(), expected,
                                   **FLOAT32_TOLERANCE)


@pytest.mark.cuda
@NEEDS_CUDA
@pytest.mark.parametrize('pooling', ['avg', 'flatten', 'none'])
def test_recording_does_not_synchronise(pooling):
    network = _network().cuda()
    images = torch.rand(5, 3, 9, 9, device='cuda')
    _record(network, images, pooling)  # warms cuDNN up outside the guard
    with no_host_sync():
        vertices = _record(network, images, pooling)
    assert [v.device.type for v in vertices] == ['cuda', 'cuda']
