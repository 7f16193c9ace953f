# Copyright (c) irg_mm contributors. All rights reserved.
"""What only the transformation loss does; the contract of all three
losses is in test_common_loss_contract.py."""
import pytest
import torch

from irg_mm.models.losses import IRGTransformLoss


@pytest.mark.parametrize(
    'normalize, expected',
    [
        # [1, 2] / 2 - [2, 2] / 2 = [-0.5, 0]: mean of squares 0.125.
        ('max', 0.125),
        # [1, 2] / 1.5 - [2, 2] / 2 = [-1/3, 1/3]: 1/9.
        ('mean', 1 / 9),
        # [1, 2] - [2, 2] = [-1, 0]: 0.5.
        (None, 0.5),
    ])
def test_hand_computed_values(normalize, expected):
    loss = IRGTransformLoss(loss_weight=3.0, normalize=normalize)
    value = loss(torch.tensor([1., 2.]), torch.tensor([2., 2.]))
    torch.testing.assert_close(value, torch.tensor(3.0 * expected))


def test_equal_transformations_give_finite_gradients():
    preds_S = torch.tensor([0.5, 0.5, 2.0, 2.0], requires_grad=True)
    IRGTransformLoss(grad_through_max=True)(preds_S, torch.rand(4)).backward()
    assert torch.isfinite(preds_S.grad).all()


def test_single_instance_with_normalizer_is_zero():
    value = IRGTransformLoss()(torch.tensor([3.0]), torch.tensor([0.5]))
    assert value.item() == 0
