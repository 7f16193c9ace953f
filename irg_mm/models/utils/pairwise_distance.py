# Copyright (c) irg_mm contributors. All rights reserved.
"""The distance maths shared by every IRG loss, recorder and connector.

Everything here runs in at least float32, also under ``torch.autocast``: the
product form of squared distances cancels catastrophically in half precision
(see ``docs/method.md``, "Numerics").
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from irg_mm.utils.choices import check_choice
from .validation import NORMALIZE_MODES


def compute_dtype(x: Tensor) -> torch.dtype:
    """The dtype IRG maths runs in: float32, or float64 for float64 inputs.

    Args:
        x (Tensor): Any tensor.

    Returns:
        torch.dtype: ``torch.float64`` if ``x`` is float64, else
        ``torch.float32``.
    """
    return torch.promote_types(x.dtype, torch.float32)


def flatten_instances(x: Tensor) -> Tensor:
    """Flatten every instance of a batch into one vector.

    Args:
        x (Tensor): Instances of shape ``[B, ...]`` (at least 1-D).

    Returns:
        Tensor: A view or copy of shape ``[B, D]``; a ``[B]`` input becomes
        ``[B, 1]``.

    Examples:
        >>> flatten_instances(torch.rand(2, 3, 4, 4)).shape
        torch.Size([2, 48])
    """
    return x.reshape(x.shape[0], -1)


def _clamped_squared_distances(flat: Tensor) -> Tensor:
    """Squared distances of ``[B, D]`` features, in the product form.

    The features are shifted by the batch's first instance before the
    product: distances do not change, and the norms shrink to the spread of
    the batch. The shift is one ``[B, D]`` pass, where centring on the mean
    takes two, and the shifted copy lives only during the product. Rounding
    below zero is clamped to 0 and the diagonal is set to exactly 0.
    """
    shifted = flat - flat[:1]
    gram = shifted @ shifted.t()
    del shifted  # freed before the [B, B] work, which needs only the Gram
    # The squared norms are the Gram diagonal: no [B, D] temporary.
    sq_norms = gram.diagonal()
    # g + g^T, not 2 g: a BLAS product x x^T is not bitwise symmetric,
    # the sum is (at the cost of the multiplication it replaces).
    distances = (sq_norms[:, None] + sq_norms[None, :]).sub_(gram + gram.t())
    return distances.clamp_(min=0).fill_diagonal_(0)


class _SquaredDistances(torch.autograd.Function):
    """:func:`_clamped_squared_distances` with a fused backward.

    With ``G`` the incoming ``[B, B]`` gradient, zeroed where the distance
    is 0 (where the forward clamped, on the diagonal, and between identical
    instances, whose true gradient is 0), ``dA / df = 2 L f`` with
    ``L = diag(S 1) - S`` and ``S = G + G^T``: one ``[B, B] x [B, D]``
    product on the saved input. Autograd of the plain expression takes two
    (one per operand of the Gram matrix) plus ``[B, D]`` passes for the
    shift, whose backward is the identity here: the rows of ``L`` sum to
    zero, so ``L f = L (f - 1 f_0^T)`` for any shift.
    """

    @staticmethod
    def forward(ctx, flat: Tensor) -> Tensor:
        distances = _clamped_squared_distances(flat)
        ctx.save_for_backward(flat, distances)
        return distances

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        flat, distances = ctx.saved_tensors
        with torch.autocast(device_type=grad.device.type, enabled=False):
            grad = grad.to(flat.dtype).masked_fill(distances == 0, 0)
            # 2 L = -2 S off the diagonal, 2 (S 1) on it (S has a zero one).
            laplacian = (grad + grad.t()).mul_(-2)
            laplacian.diagonal().sub_(laplacian.sum(dim=1))
            return laplacian @ flat


def batch_squared_distances(features: Tensor) -> Tensor:
    """Squared Euclidean distances between all instances of a batch.

    ``A[i, j] = ||f_i - f_j||^2`` through the product form
    ``||a||^2 + ||b||^2 - 2 a.b``: ``2 B^2 D`` flops forward and as many
    backward (one ``[B, B] x [B, D]`` product), and ``O(B^2 + B D)``
    memory, where broadcasting ``f[:, None] - f[None]`` would hold (and let
    autograd keep) a ``B x B x D`` tensor. To keep the product form accurate:

    - autocast is disabled and the features are upcast to float32;
    - the first instance is subtracted first: distances do not change, but
      the norms, whose difference the product form takes, shrink to the
      spread of the batch (post-ReLU features share a large common offset);
    - rounding below zero is clamped to 0 and the diagonal is set to exactly
      0, both passing a zero (finite) gradient, so identical instances never
      produce inf or NaN gradients (no ``sqrt`` is taken).

    Args:
        features (Tensor): Instances of shape ``[B, ...]``, flattened to
            ``[B, D]``.

    Returns:
        Tensor: The symmetric ``[B, B]`` matrix with a zero diagonal, in
        float32 (float64 for float64 inputs).

    Examples:
        >>> f = torch.tensor([[0., 0.], [3., 4.]])
        >>> batch_squared_distances(f)
        tensor([[ 0., 25.],
                [25.,  0.]])
    """
    flat = flatten_instances(features)
    with torch.autocast(device_type=flat.device.type, enabled=False):
        flat = flat.to(compute_dtype(flat))
        if flat.requires_grad and torch.is_grad_enabled():
            return _SquaredDistances.apply(flat)
        # A teacher's features: no graph to record, so no autograd node.
        return _clamped_squared_distances(flat)


def normalize_by_statistic(values: Tensor,
                           mode: Optional[str] = 'max',
                           detach_normalizer: bool = True) -> Tensor:
    """Divide a distance matrix or vector by a batch statistic of itself.

    Args:
        values (Tensor): A ``[B, B]`` edge matrix or a ``[B]`` vector (any
            shape works: the statistic is taken over all entries).
        mode (str, optional): ``'max'`` divides by the largest entry (the
            authors' choice), ``'mean'`` by the mean of all entries (for a
            matrix this includes the zero diagonal), ``None`` returns
            ``values`` unchanged. Defaults to ``'max'``.
        detach_normalizer (bool): Treat the statistic as a constant in
            backward, as the authors' Caffe layers do. Defaults to True.

    Returns:
        Tensor: ``values`` divided by the statistic. When the statistic is
        not positive (e.g. every instance of the batch is identical, or
        ``B = 1``), ``values`` are returned unscaled instead of dividing by
        zero; for distances that means all zeros.

    Examples:
        >>> normalize_by_statistic(torch.tensor([1., 2., 4.]))
        tensor([0.2500, 0.5000, 1.0000])
        >>> normalize_by_statistic(torch.zeros(3))
        tensor([0., 0., 0.])
    """
    check_choice('normalize', mode, NORMALIZE_MODES)
    if mode is None:
        return values
    normalizer = values.amax() if mode == 'max' else values.mean()
    if detach_normalizer:
        normalizer = normalizer.detach()
    return values / torch.where(normalizer > 0, normalizer, 1.0)


def normalize_pair(preds_S: Tensor,
                   preds_T: Tensor,
                   mode: Optional[str] = 'max',
                   grad_through_max: bool = False) -> Tuple[Tensor, Tensor]:
    """Normalise student and teacher values, each by itself.

    Runs in float32 (float64 for float64 inputs) with autocast disabled.

    Args:
        preds_S (Tensor): Student values.
        preds_T (Tensor): Teacher values of the same shape.
        mode (str, optional): Normaliser, see :func:`normalize_by_statistic`.
            Defaults to ``'max'``.
        grad_through_max (bool): Let the student's gradient flow through its
            normaliser, the maximum or the mean. Defaults to False.

    Returns:
        tuple[Tensor, Tensor]: The normalised student and teacher values.
    """
    with torch.autocast(device_type=preds_S.device.type, enabled=False):
        dtype = torch.promote_types(
            compute_dtype(preds_S), compute_dtype(preds_T))
        student = normalize_by_statistic(
            preds_S.to(dtype), mode, detach_normalizer=not grad_through_max)
        return student, normalize_by_statistic(preds_T.to(dtype), mode)


def normalized_mse(preds_S: Tensor,
                   preds_T: Tensor,
                   mode: Optional[str] = 'max',
                   grad_through_max: bool = False) -> Tensor:
    """Normalise student and teacher each by itself, then take the MSE.

    The common core of the edge loss (on ``[B, B]`` matrices) and the
    transformation loss (on ``[B]`` vectors), in the precision of
    :func:`normalize_pair`.

    Args:
        preds_S, preds_T, mode, grad_through_max: As for
            :func:`normalize_pair`.

    Returns:
        Tensor: The scalar mean of the squared differences.
    """
    student, teacher = normalize_pair(preds_S, preds_T, mode, grad_through_max)
    with torch.autocast(device_type=student.device.type, enabled=False):
        return F.mse_loss(student, teacher)
