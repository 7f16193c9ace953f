# Copyright (c) irg_mm contributors. All rights reserved.
"""check_instance_features passes valid inputs reading shapes only; its
errors are tested through the losses, as users meet them
(test_common_loss_contract.py::test_invalid_inputs_raise)."""
import pytest
import torch

import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
from irg_mm.models.utils import check_instance_features


def test_valid_inputs_pass():
    check_instance_features('Loss', torch.rand(4, 3), torch.rand(4, 5, 2))
    check_instance_features(
        'Loss', torch.rand(4), torch.rand(4), vectors=True, same_shape=True)


def test_checks_read_shapes_only():
    # Meta tensors have no data: any value read (a NaN check, a host sync)
    # would raise here.
    student, teacher = (torch.empty(4, 3, device='meta'),
                        torch.empty(4, 5, 2, device='meta'))
    check_instance_features('Loss', student, teacher)
    with pytest.raises(ValueError, match='batch sizes 4 and 3'):
        check_instance_features('Loss', student, teacher[:3])
