# Copyright (c) irg_mm contributors. All rights reserved.
import torch
import torch.nn as nn
from mmrazor.registry import MODELS
from torch import Tensor

from ..utils import check_instance_features, compute_dtype, flatten_instances


@MODELS.register_module()
class IRGVertexLoss(nn.Module):
    """Vertex loss of IRG distillation (Liu et al., CVPR 2019).

    ``loss_weight * mean_i ||f_T(x_i) - f_S(x_i)||^2``: the squared L2
    distance between the teacher's and the student's feature of each
    instance, summed over the features and averaged over the batch. On raw
    logits (the default use) it is the paper's ``L_logits``. It runs in
    float32 (float64 for float64 inputs), also under autocast; the teacher
    input is detached.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.

    Examples:
        >>> import torch
        >>> import irg_mm
        >>> from mmrazor.registry import MODELS
        >>> loss = MODELS.build(dict(type='IRGVertexLoss'))
        >>> loss(torch.zeros(2, 3), torch.ones(2, 3))
        tensor(3.)
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        """Compute the vertex loss.

        Args:
            preds_S (Tensor): Student features ``[B, ...]``, e.g. logits.
            preds_T (Tensor): Teacher features of the same shape.

        Returns:
            Tensor: The weighted scalar loss.
        """
        check_instance_features(
            type(self).__name__, preds_S, preds_T, same_shape=True)
        with torch.autocast(device_type=preds_S.device.type, enabled=False):
            dtype = compute_dtype(preds_S)
            diff = (
                flatten_instances(preds_S).to(dtype) -
                flatten_instances(preds_T.detach()).to(dtype))
            return self.loss_weight * diff.pow(2).sum(dim=1).mean()
