# Copyright (c) irg_mm contributors. All rights reserved.
import pytest
import torch

import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
from irg_mm.models.utils import check_instance_features


def test_valid_inputs_pass():
    check_instance_features('Loss', torch.rand(4, 3), torch.rand(4, 5, 2))
    check_instance_features(
        'Loss', torch.rand(4), torch.rand(4), vectors=True, same_shape=True)


@pytest.mark.parametrize('preds_S, preds_T, kwargs, error, match', [
    ([1.0], torch.rand(1), {}, TypeError, 'Loss expects tensors, got '
     'student list'),
    (torch.tensor(1.), torch.rand(1), {}, ValueError,
     r'per-instance inputs of shape \[B, ...\]'),
    (torch.rand(4, 2), torch.rand(4), dict(vectors=True), ValueError,
     r'expects \[B\] vectors, got student shape \(4, 2\)'),
    (torch.rand(0, 3), torch.rand(
        0, 3), {}, ValueError, 'Loss got an empty batch'),
    (torch.rand(4, 3), torch.rand(
        3, 3), {}, ValueError, 'same instances, got batch sizes 4 and 3'),
    (torch.rand(4, 3), torch.rand(4, 2), dict(same_shape=True), ValueError,
     r'needs equal shapes, got student shape \(4, 3\), teacher shape'),
])
def test_invalid_inputs_raise_clear_errors(preds_S, preds_T, kwargs, error,
                                           match):
    with pytest.raises(error, match=match):
        check_instance_features('Loss', preds_S, preds_T, **kwargs)


def test_checks_read_shapes_only():
    # Meta tensors have no data: any value read (a NaN check, a host sync)
    # would raise here.
    student, teacher = (torch.empty(4, 3, device='meta'),
                        torch.empty(4, 5, 2, device='meta'))
    check_instance_features('Loss', student, teacher)
    with pytest.raises(ValueError, match='batch sizes 4 and 3'):
        check_instance_features('Loss', student, teacher[:3])
