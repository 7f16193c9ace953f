# Copyright (c) irg_mm contributors. All rights reserved.
import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
import pytest
import torch
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from irg_mm.models.losses import IRGTransformLoss


def reference_transform_loss(preds_S,
                             preds_T,
                             loss_weight=1.0,
                             normalize='max',
                             grad_through_max=False):
    """The transformation loss from its formulas, in float64."""

    def normalized(x, detach):
        x = x.double()
        if normalize is None:
            return x
        normalizer = x.max() if normalize == 'max' else x.mean()
        return x / (normalizer.detach() if detach else normalizer)

    diff = normalized(preds_S, not grad_through_max) - normalized(
        preds_T, True)
    return loss_weight * diff.pow(2).mean()


def loss_and_grad(loss_fn, preds_S, preds_T):
    student = preds_S.detach().clone().requires_grad_(True)
    loss = loss_fn(student, preds_T)
    loss.backward()
    return loss.detach(), student.grad


@pytest.mark.parametrize('batch_size', [2, 3, 64, 256])
@pytest.mark.parametrize('normalize, grad_through_max', [('max', False),
                                                         ('max', True),
                                                         ('mean', False),
                                                         (None, False)])
def test_value_and_gradient_match_reference(batch_size, normalize,
                                            grad_through_max):
    torch.manual_seed(0)
    preds_S, preds_T = torch.rand(batch_size) * 5, torch.rand(batch_size)
    cfg = dict(
        loss_weight=0.3,
        normalize=normalize,
        grad_through_max=grad_through_max)
    loss, grad = loss_and_grad(IRGTransformLoss(**cfg), preds_S, preds_T)
    ref_loss, ref_grad = loss_and_grad(
        lambda s, t: reference_transform_loss(s, t, **cfg), preds_S.double(),
        preds_T.double())
    torch.testing.assert_close(loss.double(), ref_loss, rtol=1e-5, atol=0)
    torch.testing.assert_close(
        grad.double(), ref_grad, rtol=1e-4, atol=1e-5 * ref_grad.abs().max())


# A detached normaliser is by design not the true gradient, so finite
# differences check the modes whose backward is exact.
@pytest.mark.parametrize('normalize, grad_through_max', [('max', True),
                                                         ('mean', True),
                                                         (None, False)])
def test_gradcheck(normalize, grad_through_max):
    torch.manual_seed(0)
    preds_S = torch.rand(6, dtype=torch.float64, requires_grad=True)
    preds_T = torch.rand(6, dtype=torch.float64)
    loss = IRGTransformLoss(
        normalize=normalize, grad_through_max=grad_through_max)
    assert torch.autograd.gradcheck(lambda s: loss(s, preds_T), (preds_S, ))


def test_equal_transformations_give_finite_gradients():
    preds_S = torch.tensor([0.5, 0.5, 2.0, 2.0], requires_grad=True)
    IRGTransformLoss(grad_through_max=True)(preds_S, torch.rand(4)).backward()
    assert torch.isfinite(preds_S.grad).all()


def test_teacher_receives_no_gradient():
    preds_S = torch.rand(4, requires_grad=True)
    preds_T = torch.rand(4, requires_grad=True)
    IRGTransformLoss()(preds_S, preds_T).backward()
    assert preds_T.grad is None


def test_autocast_matches_float32():
    torch.manual_seed(0)
    preds_S, preds_T = torch.rand(64), torch.rand(64)
    loss = IRGTransformLoss()
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


def test_single_instance_with_normalizer_is_zero():
    value = IRGTransformLoss()(torch.tensor([3.0]), torch.tensor([0.5]))
    assert value.item() == 0


@pytest.mark.parametrize('preds_S, preds_T, match', [
    (torch.rand(0), torch.rand(0), 'IRGTransformLoss got an empty batch'),
    (torch.rand(4), torch.rand(3), 'batch sizes 4 and 3'),
    (torch.rand(4, 2), torch.rand(4, 2), r'expects \[B\] vectors'),
])
def test_invalid_inputs_raise(preds_S, preds_T, match):
    with pytest.raises(ValueError, match=match):
        IRGTransformLoss()(preds_S, preds_T)


def test_registered_in_mmrazor():
    # As in an MMRazor config (default_scope='mmrazor'), whatever scope an
    # earlier test left behind.
    with DefaultScope.overwrite_default_scope('mmrazor'):
        loss = MODELS.build(dict(type='IRGTransformLoss', normalize='mean'))
        assert isinstance(loss, IRGTransformLoss)
        assert loss.normalize == 'mean'
