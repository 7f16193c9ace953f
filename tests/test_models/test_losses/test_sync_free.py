# Copyright (c) irg_mm contributors. All rights reserved.
"""The IRG hot path never reads a tensor's values on the host.

Tensors on PyTorch's ``meta`` device have shapes and no data: any
``bool()``, ``item()`` or ``tolist()`` on them raises. A forward and
backward of every IRG loss and the connector on meta tensors therefore
proves that none of them synchronises with the device (on a GPU, each such
read would stall the launch queue); ``tests/test_cuda`` checks the same
with ``torch.cuda.set_sync_debug_mode('error')`` where a GPU exists.
"""
import pytest
import torch

import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
from irg_mm.models import (IRGEdgeLoss, IRGTransformConnector,
                           IRGTransformLoss, IRGVertexLoss)

B = 8


@pytest.fixture(autouse=True)
def autocast_on_meta(monkeypatch):
    """``torch.autocast`` knows no ``meta`` device; the code under test
    disables autocast around its distances, which on meta tensors means the
    CPU's autocast state."""
    autocast = torch.autocast

    def meta_as_cpu(device_type, *args, **kwargs):
        return autocast('cpu' if device_type == 'meta' else device_type, *args,
                        **kwargs)

    monkeypatch.setattr(torch, 'autocast', meta_as_cpu)


def meta(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, device='meta', requires_grad=True)


@pytest.mark.parametrize('loss, shape_S, shape_T', [
    (IRGVertexLoss(), (B, 10), (B, 10)),
    (IRGEdgeLoss(), (B, 16, 4, 4), (B, 64)),
    (IRGEdgeLoss(normalize='mean', grad_through_max=True), (B, 16), (B, 32)),
    (IRGTransformLoss(), (B, ), (B, )),
])
def test_loss_forward_and_backward_read_no_values(loss, shape_S, shape_T):
    preds_S = meta(*shape_S)
    value = loss(preds_S, meta(*shape_T))
    assert value.device.type == 'meta' and value.dim() == 0
    value.backward()
    assert preds_S.grad is not None and preds_S.grad.shape == preds_S.shape


def test_connector_reads_no_values():
    connector = IRGTransformConnector(pooling='none')
    early = meta(B, 16, 8, 8)
    vector = connector([early, meta(B, 16, 8, 8)])
    assert vector.shape == (B, )
    vector.sum().backward()
    assert early.grad.shape == early.shape


@pytest.mark.parametrize('loss, shape_S, shape_T', [
    (IRGVertexLoss(), (B, 10), (B, 10)),
    (IRGEdgeLoss(), (B, 16, 4, 4), (B, 64)),
    (IRGTransformLoss(), (B, ), (B, )),
])
def test_profiler_sees_no_scalar_read(loss, shape_S, shape_T):
    """``aten::_local_scalar_dense`` is the op behind ``.item()`` and
    ``bool(tensor)``: on a GPU, a host synchronisation."""
    preds_S = torch.randn(*shape_S, requires_grad=True)
    preds_T = torch.randn(*shape_T)
    loss(preds_S, preds_T).backward()  # the first call logs; warm up
    with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        loss(preds_S, preds_T).backward()
    names = {event.name for event in profile.events()}
    assert 'aten::_local_scalar_dense' not in names
    assert any(name.startswith('aten::') for name in names)
