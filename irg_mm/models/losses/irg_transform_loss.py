# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Tuple

from mmrazor.registry import MODELS
from torch import Tensor

from ..utils import check_instance_features
from .normalized_graph_loss import NormalizedGraphLoss


@MODELS.register_module()
class IRGTransformLoss(NormalizedGraphLoss):
    """Transformation loss of IRG distillation (Liu et al., CVPR 2019).

    The transformation of one network between two layers is the vector
    ``Lambda(i) = ||f_l1(x_i) - f_l2(x_i)||^2``, one value per instance,
    produced by :class:`~irg_mm.models.IRGTransformConnector`. Each
    network's vector is divided by its own batch statistic (``normalize``),
    and the loss is
    ``loss_weight * mean_i (Lambda_S(i) - Lambda_T(i))^2``, computed in
    float32 (float64 for float64 inputs), also under autocast. The teacher
    input is detached.

    Note:
        With ``B = 1`` and a normaliser, both vectors normalise to ``[1]``
        (or stay ``[0]``) and the loss is 0. Under DDP ``graph_scope``
        decides which instances share the normaliser and the mean, and the
        first forward logs their number.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (str, optional): Divide each vector by its ``'max'`` (the
            authors' code), its ``'mean'``, or not at all (``None``).
            Defaults to ``'max'``.
        grad_through_max (bool): Let the student's gradient flow through its
            normaliser too, whichever ``normalize`` picks (the maximum or
            the mean; the name is the authors' default's). False treats it
            as a constant, as the authors' Caffe layer does. Defaults to
            False.
        graph_scope (str): ``'local'``: each GPU normalises and averages its
            own batch, as the authors' single-GPU recipe does, with no
            communication. ``'global'``: the vectors of all ranks are
            gathered (with exact gradient) and treated as one batch; it
            costs an all-gather of ``B`` values per rank. Without a process
            group both are the same. Defaults to ``'local'``, as in
            :class:`IRGEdgeLoss`; see docs/distributed.md.

    Examples:
        >>> import torch
        >>> import irg_mm
        >>> from mmrazor.registry import MODELS
        >>> loss = MODELS.build(dict(type='IRGTransformLoss'))
        >>> loss(torch.tensor([1., 2.]), torch.tensor([2., 2.]))
        tensor(0.1250)
    """

    def graph_values(self, preds_S: Tensor,
                     preds_T: Tensor) -> Tuple[Tensor, Tensor]:
        """The student's and the teacher's transformation vectors.

        Args:
            preds_S (Tensor): This rank's student transformation vector
                ``[B]``.
            preds_T (Tensor): This rank's teacher transformation vector
                ``[B]``.

        Returns:
            tuple[Tensor, Tensor]: The vectors over the instances of
            ``graph_scope``.
        """
        check_instance_features(
            type(self).__name__, preds_S, preds_T, vectors=True)
        return self.gather_instances(preds_S, preds_T)
