# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Optional

import torch.nn as nn
from torch import Tensor

from ..utils import check_normalize_mode, normalized_mse
from ..utils.dist_gather import GraphScope


class NormalizedGraphLoss(nn.Module):
    """What the edge and transformation losses share: a graph scope, and a
    weighted mean squared difference of values each normalised on its own.

    Subclasses turn their inputs into per-graph values (the ``B x B`` edge
    matrices, the length-``B`` transformation vectors) and call
    :meth:`compare`.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (str, optional): ``'max'``, ``'mean'`` or None; see the
            subclasses. Defaults to ``'max'``.
        grad_through_max (bool): Let the student's gradient flow through its
            normaliser. Defaults to False.
        graph_scope (str): ``'local'`` or ``'global'``; see
            :class:`~irg_mm.models.utils.dist_gather.GraphScope`. Defaults to
            ``'local'``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 normalize: Optional[str] = 'max',
                 grad_through_max: bool = False,
                 graph_scope: str = 'local') -> None:
        super().__init__()
        check_normalize_mode(normalize)
        self.loss_weight = loss_weight
        self.normalize = normalize
        self.grad_through_max = grad_through_max
        self.graph = GraphScope(graph_scope, type(self).__name__)

    def compare(self, values_S: Tensor, values_T: Tensor) -> Tensor:
        """``loss_weight`` times the MSE of the two normalised values."""
        return self.loss_weight * normalized_mse(
            values_S, values_T, self.normalize, self.grad_through_max)
