# Copyright (c) irg_mm contributors. All rights reserved.
import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
import pytest
import torch
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from irg_mm.models.losses import IRGVertexLoss


def reference_vertex_loss(preds_S, preds_T, loss_weight=1.0):
    """sum over features, mean over instances, in float64."""
    diff = (preds_S.double() - preds_T.double()).reshape(len(preds_S), -1)
    return loss_weight * diff.pow(2).sum(1).mean()


@pytest.mark.parametrize('shape', [(2, 10), (3, 4, 2, 2), (64, 100), (256, 7)])
def test_value_and_gradient_match_reference(shape):
    torch.manual_seed(0)
    preds_S = torch.randn(shape, requires_grad=True)
    preds_T = torch.randn(shape)
    loss = IRGVertexLoss(loss_weight=0.1)(preds_S, preds_T)
    loss.backward()
    ref_S = preds_S.detach().double().requires_grad_(True)
    ref = reference_vertex_loss(ref_S, preds_T, loss_weight=0.1)
    ref.backward()
    torch.testing.assert_close(loss.double(), ref, rtol=1e-5, atol=0)
    torch.testing.assert_close(preds_S.grad.double(), ref_S.grad)


def test_gradcheck():
    torch.manual_seed(0)
    preds_S = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    preds_T = torch.randn(4, 5, dtype=torch.float64)
    loss = IRGVertexLoss(loss_weight=2.0)
    assert torch.autograd.gradcheck(lambda s: loss(s, preds_T), (preds_S, ))


def test_teacher_receives_no_gradient():
    preds_S = torch.randn(4, 3, requires_grad=True)
    preds_T = torch.randn(4, 3, requires_grad=True)
    IRGVertexLoss()(preds_S, preds_T).backward()
    assert preds_T.grad is None


def test_autocast_matches_float32():
    torch.manual_seed(0)
    preds_S, preds_T = torch.randn(32, 100), torch.randn(32, 100)
    loss = IRGVertexLoss()
    expected = loss(preds_S, preds_T)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        under_autocast = loss(preds_S, preds_T)
        from_bf16 = loss(preds_S.bfloat16(), preds_T.bfloat16())
    assert from_bf16.dtype == torch.float32
    torch.testing.assert_close(under_autocast, expected, rtol=1e-3, atol=0)
    torch.testing.assert_close(
        from_bf16,
        loss(preds_S.bfloat16().float(),
             preds_T.bfloat16().float()),
        rtol=1e-3,
        atol=0)


@pytest.mark.parametrize('preds_S, preds_T, match', [
    (torch.rand(0, 3), torch.rand(0, 3), 'IRGVertexLoss got an empty batch'),
    (torch.rand(4, 3), torch.rand(2, 3), 'batch sizes 4 and 2'),
    (torch.rand(4, 3), torch.rand(4, 5), 'needs equal shapes'),
])
def test_invalid_inputs_raise(preds_S, preds_T, match):
    with pytest.raises(ValueError, match=match):
        IRGVertexLoss()(preds_S, preds_T)


def test_registered_in_mmrazor():
    # As in an MMRazor config (default_scope='mmrazor'), whatever scope an
    # earlier test left behind.
    with DefaultScope.overwrite_default_scope('mmrazor'):
        assert isinstance(
            MODELS.build(dict(type='IRGVertexLoss')), IRGVertexLoss)
