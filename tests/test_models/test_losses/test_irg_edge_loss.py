# Copyright (c) irg_mm contributors. All rights reserved.
import warnings

import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
import pytest
import torch
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from irg_mm.models.losses import IRGEdgeLoss


def reference_edge_loss(preds_S,
                        preds_T,
                        loss_weight=1.0,
                        normalize='max',
                        grad_through_max=False):
    """The edge loss from its formulas, by broadcasting, in float64."""

    def edges(x, detach):
        flat = x.double().reshape(len(x), -1)
        distances = (flat[:, None] - flat[None]).pow(2).sum(-1)
        if normalize is None:
            return distances
        normalizer = (
            distances.max() if normalize == 'max' else distances.mean())
        return distances / (normalizer.detach() if detach else normalizer)

    diff = edges(preds_S, not grad_through_max) - edges(preds_T, True)
    return loss_weight * diff.pow(2).mean()


def loss_and_grad(loss_fn, preds_S, preds_T):
    student = preds_S.detach().clone().requires_grad_(True)
    loss = loss_fn(student, preds_T)
    loss.backward()
    return loss.detach(), student.grad


@pytest.mark.parametrize('shape_S, shape_T', [((2, 3), (2, 5)),
                                              ((7, 4, 2, 2), (7, 9)),
                                              ((64, 32), (64, 16)),
                                              ((256, 8), (256, 8))])
@pytest.mark.parametrize('normalize, grad_through_max', [('max', False),
                                                         ('max', True),
                                                         ('mean', False),
                                                         (None, False)])
def test_value_and_gradient_match_reference(shape_S, shape_T, normalize,
                                            grad_through_max):
    torch.manual_seed(0)
    preds_S, preds_T = torch.randn(shape_S), torch.randn(shape_T)
    cfg = dict(
        loss_weight=0.5,
        normalize=normalize,
        grad_through_max=grad_through_max)
    loss, grad = loss_and_grad(IRGEdgeLoss(**cfg), preds_S, preds_T)
    ref_loss, ref_grad = loss_and_grad(
        lambda s, t: reference_edge_loss(s, t, **cfg), preds_S.double(),
        preds_T.double())
    torch.testing.assert_close(loss.double(), ref_loss, rtol=1e-4, atol=0)
    torch.testing.assert_close(
        grad.double(), ref_grad, rtol=1e-3, atol=1e-4 * ref_grad.abs().max())


# A detached normaliser is by design not the true gradient, so finite
# differences check the modes whose backward is exact.
@pytest.mark.parametrize('normalize, grad_through_max', [('max', True),
                                                         ('mean', True),
                                                         (None, False)])
def test_gradcheck(normalize, grad_through_max):
    torch.manual_seed(0)
    preds_S = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    preds_T = torch.randn(4, 6, dtype=torch.float64)
    loss = IRGEdgeLoss(normalize=normalize, grad_through_max=grad_through_max)
    assert torch.autograd.gradcheck(lambda s: loss(s, preds_T), (preds_S, ))


def test_identical_instances_give_finite_gradients():
    torch.manual_seed(0)
    preds_S = torch.randn(5, 8)
    preds_S[2] = preds_S[0]
    preds_T = torch.randn(5, 8)
    _, grad = loss_and_grad(IRGEdgeLoss(), preds_S, preds_T)
    _, ref_grad = loss_and_grad(reference_edge_loss, preds_S.double(),
                                preds_T.double())
    assert torch.isfinite(grad).all()
    torch.testing.assert_close(grad.double(), ref_grad, rtol=1e-3, atol=1e-5)


def test_teacher_receives_no_gradient():
    preds_S = torch.randn(4, 3, requires_grad=True)
    preds_T = torch.randn(4, 3, requires_grad=True)
    IRGEdgeLoss()(preds_S, preds_T).backward()
    assert preds_T.grad is None
    assert preds_S.grad is not None


def test_autocast_matches_float32():
    torch.manual_seed(0)
    # Post-ReLU-like features with a common offset: the regime where a
    # bf16 product form would lose every digit.
    preds_S, preds_T = 4 + torch.rand(32, 256), 4 + torch.rand(32, 128)
    loss = IRGEdgeLoss()
    expected = loss(preds_S, preds_T)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        under_autocast = loss(preds_S, preds_T)
        from_bf16 = loss(preds_S.bfloat16(), preds_T.bfloat16())
    torch.testing.assert_close(under_autocast, expected, rtol=1e-3, atol=0)
    torch.testing.assert_close(
        from_bf16,
        loss(preds_S.bfloat16().float(),
             preds_T.bfloat16().float()),
        rtol=1e-3,
        atol=0)


def test_single_instance_gives_connected_zero_and_warns_once():
    loss = IRGEdgeLoss()
    preds_S = torch.randn(1, 4, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        value = loss(preds_S, torch.randn(1, 6))
        loss(preds_S, torch.randn(1, 6))
    assert value.item() == 0
    value.backward()
    assert torch.equal(preds_S.grad, torch.zeros(1, 4))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1
    assert 'IRGEdgeLoss got a batch of one instance' in messages[0]


@pytest.mark.parametrize('preds_S, preds_T, match', [
    (torch.rand(0, 3), torch.rand(0, 3), 'IRGEdgeLoss got an empty batch'),
    (torch.rand(4, 3), torch.rand(5, 3), 'batch sizes 4 and 5'),
    (torch.tensor(1.), torch.tensor(1.), r'shape \[B, ...\]'),
])
def test_invalid_inputs_raise(preds_S, preds_T, match):
    with pytest.raises(ValueError, match=match):
        IRGEdgeLoss()(preds_S, preds_T)


def test_invalid_normalize_raises():
    with pytest.raises(ValueError, match="normalize must be 'max', 'mean'"):
        IRGEdgeLoss(normalize='min')


def test_registered_in_mmrazor():
    # As in an MMRazor config (default_scope='mmrazor'), whatever scope an
    # earlier test left behind.
    with DefaultScope.overwrite_default_scope('mmrazor'):
        loss = MODELS.build(dict(type='IRGEdgeLoss', loss_weight=2.0))
        assert isinstance(loss, IRGEdgeLoss)
        assert loss.loss_weight == 2.0
