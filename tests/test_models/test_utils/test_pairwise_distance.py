# Copyright (c) irg_mm contributors. All rights reserved.
import pytest
import torch

import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
from irg_mm.models.utils import (batch_squared_distances, flatten_instances,
                                 normalize_by_statistic, normalized_mse)


def reference_distances(x):
    """Squared distances by definition, in float64 (small inputs only)."""
    flat = x.double().reshape(len(x), -1)
    return (flat[:, None] - flat[None]).pow(2).sum(-1)


def reference_normalize(values, mode, detach):
    if mode is None:
        return values
    normalizer = values.max() if mode == 'max' else values.mean()
    return values / (normalizer.detach() if detach else normalizer)


@pytest.mark.parametrize('shape', [(2, 3), (5, 1), (17, 4, 3, 3), (64, 33),
                                   (256, 8)])
def test_distances_match_definition(shape):
    torch.manual_seed(0)
    x = torch.randn(shape, dtype=torch.float64)
    distances = batch_squared_distances(x)
    assert distances.shape == (shape[0], shape[0])
    assert distances.dtype == torch.float64
    torch.testing.assert_close(distances, reference_distances(x))
    assert torch.equal(distances, distances.t())
    assert torch.all(distances.diagonal() == 0)


def test_float32_is_accurate_despite_large_common_offset():
    # Post-ReLU features share a large offset. The product form on the
    # unshifted features is off by more than 10% here in float32; shifted
    # by the first instance it is within 1e-3.
    torch.manual_seed(0)
    x = 100 + 0.1 * torch.randn(32, 512)
    reference = reference_distances(x)
    gram = x @ x.t()
    unshifted = gram.diagonal()[:, None] + gram.diagonal()[None] - 2 * gram
    off_diagonal = ~torch.eye(len(x), dtype=torch.bool)
    unshifted_error = (unshifted.double() - reference).abs() / reference
    assert unshifted_error[off_diagonal].max() > 0.1
    torch.testing.assert_close(
        batch_squared_distances(x).double(), reference, rtol=1e-3, atol=1e-3)


def test_low_precision_and_autocast_compute_in_float32():
    """bfloat16 inputs, and float32 ones under bfloat16 autocast, give
    float32 distances within float32 precision of the float64 definition;
    on these post-ReLU-like features bfloat16 maths misses by far."""
    torch.manual_seed(0)
    x = 4 + torch.rand(16, 64)
    tight = dict(rtol=1e-5, atol=1e-5)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        under_autocast = batch_squared_distances(x)
    assert under_autocast.dtype == torch.float32
    torch.testing.assert_close(under_autocast.double(), reference_distances(x),
                               **tight)
    x_bf16 = x.bfloat16()
    from_bf16 = batch_squared_distances(x_bf16)
    assert from_bf16.dtype == torch.float32
    # The exact distances of the bfloat16 values.
    torch.testing.assert_close(from_bf16.double(), reference_distances(x_bf16),
                               **tight)
    # The check has teeth: the same product form in bfloat16 is off by far
    # more than the tolerance.
    shifted = x_bf16 - x_bf16[:1]
    norms = shifted.pow(2).sum(-1)
    in_bf16 = norms[:, None] + norms[None] - 2 * shifted @ shifted.t()
    error = (in_bf16.double() - reference_distances(x_bf16)).abs().max()
    assert error > 100 * (1e-5 + 1e-5 * reference_distances(x_bf16).max())


def test_gradcheck():
    torch.manual_seed(0)
    x = torch.randn(5, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(batch_squared_distances, (x, ))


def test_identical_instances_give_finite_gradients():
    torch.manual_seed(0)
    x = torch.randn(6, 10, dtype=torch.float64)
    x[3] = x[1]
    x.requires_grad_(True)
    weights = torch.rand(6, 6, dtype=torch.float64)
    (batch_squared_distances(x) * weights).sum().backward()
    ref = x.detach().clone().requires_grad_(True)
    (reference_distances(ref) * weights).sum().backward()
    assert torch.isfinite(x.grad).all()
    torch.testing.assert_close(x.grad, ref.grad)


def test_autograd_never_keeps_a_b_b_d_tensor():
    batch_size, dim = 32, 100
    x = torch.randn(batch_size, dim, requires_grad=True)
    saved = []

    def pack(tensor):
        saved.append(tensor.numel())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        batch_squared_distances(x).sum().backward()
    assert max(saved) <= max(batch_size * dim, batch_size**2)


def test_flatten_instances():
    assert flatten_instances(torch.rand(3, 2, 4)).shape == (3, 8)
    assert flatten_instances(torch.rand(3)).shape == (3, 1)


@pytest.mark.parametrize('mode', ['max', 'mean', None])
@pytest.mark.parametrize('shape', [(6, ), (6, 6)])
@pytest.mark.parametrize('detach', [True, False])
def test_normalize_matches_definition(mode, shape, detach):
    torch.manual_seed(0)
    values = torch.rand(shape, dtype=torch.float64, requires_grad=True)
    weights = torch.rand(shape, dtype=torch.float64)
    out = normalize_by_statistic(values, mode, detach_normalizer=detach)
    (out * weights).sum().backward()
    ref_values = values.detach().clone().requires_grad_(True)
    ref = reference_normalize(ref_values, mode, detach)
    (ref * weights).sum().backward()
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(values.grad, ref_values.grad)


@pytest.mark.parametrize('mode', ['max', 'mean'])
def test_normalize_zero_values_returns_them_unscaled(mode):
    values = torch.zeros(4, 4, requires_grad=True)
    out = normalize_by_statistic(values, mode, detach_normalizer=False)
    out.sum().backward()
    assert torch.equal(out, torch.zeros(4, 4))
    assert torch.isfinite(values.grad).all()


@pytest.mark.parametrize('mode', ['sum', 'Max'])
def test_normalize_rejects_unknown_mode(mode):
    with pytest.raises(
            ValueError,
            match=r"normalize must be one of \('max', 'mean', None\), "
            f"got '{mode}'"):
        normalize_by_statistic(torch.rand(3), mode)


def test_normalized_mse_matches_definition():
    torch.manual_seed(0)
    student = torch.rand(7, dtype=torch.float64)
    teacher = torch.rand(7, dtype=torch.float64)
    expected = (student / student.max() - teacher / teacher.max()).pow(2)
    torch.testing.assert_close(
        normalized_mse(student, teacher), expected.mean())
    assert normalized_mse(student.bfloat16(),
                          teacher.bfloat16()).dtype == torch.float32


@pytest.mark.parametrize('offset, spread, rtol', [(4., 1., 1e-5),
                                                  (100., 0.1, 1e-3)])
def test_float32_gradient_is_accurate_despite_common_offset(
        offset, spread, rtol):
    torch.manual_seed(0)
    x = offset + spread * torch.randn(32, 512)
    weights = torch.rand(32, 32, dtype=torch.float64)
    student = x.clone().requires_grad_(True)
    (batch_squared_distances(student) * weights.float()).sum().backward()
    ref = x.double().requires_grad_(True)
    (reference_distances(ref) * weights).sum().backward()
    error = (student.grad.double() - ref.grad).abs().max()
    assert error <= rtol * ref.grad.abs().max()


def test_backward_keeps_no_copy_of_the_features():
    # Only the input itself and [B, B] tensors are saved for backward: a
    # shifted or centred [B, D] copy would double the memory per loss.
    features = torch.randn(8, 300, requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(
            lambda t: saved.append(t) or t, lambda t: t):
        batch_squared_distances(features)
    is_input = [t.data_ptr() == features.data_ptr() for t in saved]
    assert any(is_input)
    assert all(same or t.numel() <= 8 * 8 for t, same in zip(saved, is_input))


def test_features_without_gradient_skip_the_autograd_function(monkeypatch):
    # The teacher's distances need no backward: they skip the custom
    # Function (and its saved tensors) but must equal the student's path.
    from irg_mm.models.utils import pairwise_distance
    applied = []
    apply = pairwise_distance._SquaredDistances.apply
    monkeypatch.setattr(pairwise_distance._SquaredDistances, 'apply',
                        lambda flat: applied.append(flat) or apply(flat))
    torch.manual_seed(0)
    features = 3 + torch.randn(9, 40)
    without_grad = batch_squared_distances(features)
    with torch.no_grad():
        batch_squared_distances(features.clone().requires_grad_(True))
    assert applied == []
    with_grad = batch_squared_distances(features.clone().requires_grad_(True))
    assert len(applied) == 1
    assert torch.equal(without_grad, with_grad.detach())
