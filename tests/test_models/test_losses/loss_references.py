# Copyright (c) irg_mm contributors. All rights reserved.
"""The three IRG losses written from their formulas, independently of
irg_mm: broadcasting instead of the product form, in a chosen dtype
(float64 unless told), and the loss-and-gradient helper the tests share."""
from typing import Callable, Optional, Tuple

import torch
from torch import Tensor


def _normalized(values: Tensor, normalize: Optional[str],
                detach: bool) -> Tensor:
    """``values`` divided by their max or mean (a constant if ``detach``)."""
    if normalize is None:
        return values
    normalizer = values.max() if normalize == 'max' else values.mean()
    return values / (normalizer.detach() if detach else normalizer)


def reference_vertex_loss(preds_S: Tensor,
                          preds_T: Tensor,
                          loss_weight: float = 1.0,
                          dtype: torch.dtype = torch.float64) -> Tensor:
    """Sum over features, mean over instances."""
    diff = (preds_S.to(dtype) - preds_T.to(dtype)).reshape(len(preds_S), -1)
    return loss_weight * diff.pow(2).sum(1).mean()


def reference_transform_loss(preds_S: Tensor,
                             preds_T: Tensor,
                             loss_weight: float = 1.0,
                             normalize: Optional[str] = 'max',
                             grad_through_max: bool = False,
                             dtype: torch.dtype = torch.float64) -> Tensor:
    """MSE of the two normalised transformation vectors."""
    diff = _normalized(preds_S.to(dtype), normalize,
                       not grad_through_max) - _normalized(
                           preds_T.to(dtype), normalize, True)
    return loss_weight * diff.pow(2).mean()


def reference_edge_loss(preds_S: Tensor,
                        preds_T: Tensor,
                        dtype: torch.dtype = torch.float64,
                        **kwargs) -> Tensor:
    """The transformation formula on the ``B x B`` squared-distance
    matrices; ``kwargs`` as for :func:`reference_transform_loss`."""

    def edges(x: Tensor) -> Tensor:
        flat = x.to(dtype).reshape(len(x), -1)
        return (flat[:, None] - flat[None]).pow(2).sum(-1)

    return reference_transform_loss(
        edges(preds_S), edges(preds_T), dtype=dtype, **kwargs)


def loss_and_grad(loss_fn: Callable[[Tensor, Tensor], Tensor], preds_S: Tensor,
                  preds_T: Tensor) -> Tuple[Tensor, Tensor]:
    """The loss on a fresh leaf copy of ``preds_S`` and its gradient."""
    student = preds_S.detach().clone().requires_grad_(True)
    loss = loss_fn(student, preds_T)
    loss.backward()
    return loss.detach(), student.grad
