# Copyright (c) irg_mm contributors. All rights reserved.
"""What only the edge loss does; the contract of all three losses is in
test_common_loss_contract.py."""
import warnings

import pytest
import torch
from loss_references import loss_and_grad, reference_edge_loss

from irg_mm.models.losses import IRGEdgeLoss


def test_hand_computed_value():
    # Distances 1, 9, 4 (student) and 4, 9, 1 (teacher), each over its max
    # 9: the off-diagonal pairs differ by -1/3, 0, 1/3, each twice among
    # the 9 entries of the matrix, so the mean is 4 * (1/9) / 9.
    preds_S = torch.tensor([[0.], [1.], [3.]])
    preds_T = torch.tensor([[0.], [2.], [3.]])
    value = IRGEdgeLoss(loss_weight=2.0)(preds_S, preds_T)
    torch.testing.assert_close(value, torch.tensor(2 * 4 / 81))


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


def test_invalid_normalize_raises():
    with pytest.raises(
            ValueError,
            match=r"normalize must be one of \('max', 'mean', None\)"):
        IRGEdgeLoss(normalize='min')
