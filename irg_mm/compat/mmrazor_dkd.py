# Copyright (c) irg_mm contributors. All rights reserved.
"""Make MMRazor 1.0.0's ``DKDLoss`` honour its ``reduction``.

``DKDLoss._kl_loss`` calls ``F.kl_div(..., size_average=False,
reduction=self.reduction)``. torch lets the legacy ``size_average`` win over
``reduction``, so every reduction but ``'batchmean'`` became a sum over the
batch and the classes, with a deprecation warning at each call. The fix
replaces ``_kl_loss`` with one that reduces the element-wise divergence itself
as MMRazor documents it: torch warns on every ``reduction='mean'`` call that
its meaning will change to ``'batchmean'``, so the reduction is not left to
``F.kl_div``.
"""
from typing import Callable, Dict

import torch
import torch.nn.functional as F

REDUCTIONS: Dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    # The target part (TCKD) has two columns and the non-target part (NCKD)
    # one per class: one value per sample keeps the two parts addable.
    'none': lambda kl: kl.sum(dim=1),
    'sum': torch.sum,
    'mean': torch.mean,
    'batchmean': lambda kl: kl.sum() / kl.shape[0],
}


def dkd_kl_loss(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
    """KL divergence of one DKD part, reduced as ``self.reduction`` says.

    Replaces ``mmrazor.models.DKDLoss._kl_loss``: ``'sum'`` sums over the
    batch and the columns, ``'mean'`` divides that by their number,
    ``'batchmean'`` by the batch size, and ``'none'`` sums over the columns
    only (one value per sample).

    Args:
        preds_S (torch.Tensor): Student log-probabilities, shape (N, C).
        preds_T (torch.Tensor): Teacher probabilities, shape (N, C).

    Returns:
        torch.Tensor: The divergence times ``tau ** 2``; shape (N, ) for
        ``'none'``, a scalar otherwise.

    Examples:
        >>> import torch
        >>> from mmrazor.models import DKDLoss
        >>> loss = DKDLoss(reduction='sum')
        >>> log_p = torch.log(torch.tensor([[0.5, 0.5], [0.9, 0.1]]))
        >>> q = torch.tensor([[0.5, 0.5], [0.5, 0.5]])
        >>> round(dkd_kl_loss(loss, log_p, q).item(), 4)
        0.5108
    """
    kl = F.kl_div(preds_S, preds_T, reduction='none')
    return REDUCTIONS[self.reduction](kl) * self.tau**2


def patch_dkd_loss_reduction() -> None:
    """Put :func:`dkd_kl_loss` on MMRazor's ``DKDLoss``."""
    from mmrazor.models.losses.decoupled_kd import DKDLoss
    DKDLoss._kl_loss = dkd_kl_loss
