# Copyright (c) irg_mm contributors. All rights reserved.
"""What only the vertex loss does; the contract of all three losses is in
test_common_loss_contract.py."""
import torch

from irg_mm.models.losses import IRGVertexLoss


def test_sums_over_features_and_averages_over_instances():
    # Squared distances 2 and 0: their mean is 1, where an element-wise
    # MSE would give 0.5.
    preds_S = torch.tensor([[1., 1.], [0., 0.]])
    value = IRGVertexLoss(loss_weight=0.5)(preds_S, torch.zeros(2, 2))
    torch.testing.assert_close(value, torch.tensor(0.5))


def test_instances_are_flattened():
    # Each instance holds 2 x 2 x 2 differences of 1: distance 8.
    value = IRGVertexLoss()(torch.ones(3, 2, 2, 2), torch.zeros(3, 2, 2, 2))
    torch.testing.assert_close(value, torch.tensor(8.))
