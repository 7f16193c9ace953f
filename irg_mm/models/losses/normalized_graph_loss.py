# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Optional, Tuple

import torch.nn as nn
from torch import Tensor

from irg_mm.utils.choices import check_choice
from ..utils import NORMALIZE_MODES, normalize_pair, normalized_mse
from ..utils.dist_gather import InstanceGather


class NormalizedGraphLoss(nn.Module):
    """What the edge and transformation losses share: a graph scope, and a
    weighted mean squared difference of values each normalised on its own.

    Subclasses turn their inputs into per-graph values in
    :meth:`graph_values` (the ``B x B`` edge matrices, the length-``B``
    transformation vectors); the loss compares them normalised, and
    :meth:`graph_terms` hands out exactly what it compares (for analysis,
    e.g. :class:`~irg_mm.engine.IRGGraphMonitorHook`).

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (str, optional): ``'max'``, ``'mean'`` or None; see the
            subclasses. Defaults to ``'max'``.
        grad_through_max (bool): Let the student's gradient flow through its
            normaliser, the maximum or the mean. Defaults to False.
        graph_scope (str): ``'local'`` or ``'global'``; see
            :class:`~irg_mm.models.utils.dist_gather.InstanceGather`.
            Defaults to ``'local'``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 normalize: Optional[str] = 'max',
                 grad_through_max: bool = False,
                 graph_scope: str = 'local') -> None:
        super().__init__()
        check_choice('normalize', normalize, NORMALIZE_MODES)
        self.loss_weight = loss_weight
        self.normalize = normalize
        self.grad_through_max = grad_through_max
        self.gather_instances = InstanceGather(graph_scope,
                                               type(self).__name__)

    def graph_values(self, preds_S: Tensor,
                     preds_T: Tensor) -> Tuple[Tensor, Tensor]:
        """The student's and the teacher's graph values of this batch.

        Args:
            preds_S (Tensor): This rank's student records.
            preds_T (Tensor): This rank's teacher records.

        Returns:
            tuple[Tensor, Tensor]: The values the loss compares, over the
            instances of ``graph_scope``.
        """
        raise NotImplementedError

    def graph_terms(self, preds_S: Tensor,
                    preds_T: Tensor) -> Tuple[Tensor, Tensor]:
        """The two graph terms as the loss compares them: each side's
        values divided by its own ``normalize`` statistic.

        Args:
            preds_S (Tensor): This rank's student records.
            preds_T (Tensor): This rank's teacher records.

        Returns:
            tuple[Tensor, Tensor]: The normalised student and teacher terms.
        """
        return normalize_pair(*self.graph_values(preds_S, preds_T),
                              self.normalize, self.grad_through_max)

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        """``loss_weight`` times the MSE of the two normalised graph terms.

        Args:
            preds_S (Tensor): This rank's student records, batch first.
            preds_T (Tensor): This rank's teacher records, same batch.

        Returns:
            Tensor: The weighted scalar loss (in ``'global'`` scope the same
            value on every rank).
        """
        return self.loss_weight * normalized_mse(
            *self.graph_values(preds_S, preds_T), self.normalize,
            self.grad_through_max)
