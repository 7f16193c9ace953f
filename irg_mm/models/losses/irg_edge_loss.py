# Copyright (c) irg_mm contributors. All rights reserved.
import warnings
from typing import Tuple

from mmrazor.registry import MODELS
from torch import Tensor

from ..utils import batch_squared_distances, check_instance_features
from .normalized_graph_loss import NormalizedGraphLoss


@MODELS.register_module()
class IRGEdgeLoss(NormalizedGraphLoss):
    """Edge loss of IRG distillation (Liu et al., CVPR 2019).

    Each network's instances span a ``B x B`` edge matrix of squared
    Euclidean distances ``A(i, j) = ||f(x_i) - f(x_j)||^2``. Each matrix is
    divided by its own batch statistic ``n`` (``normalize``), and the loss
    is ``loss_weight * mean_ij (A_S(i, j) / n_S - A_T(i, j) / n_T)^2``.
    Inputs of any shape ``[B, ...]`` are flattened per instance, and the
    student's and teacher's feature dimensions may differ: every edge matrix
    is ``B x B``.

    Distances use the memory-light product form in float32 (float64 for
    float64 inputs), also under autocast; see
    :func:`irg_mm.models.utils.batch_squared_distances`. The teacher input
    is detached.

    Note:
        A batch of one instance has no edges: the loss is then a zero that
        is still connected to the student's graph (backward runs and gives
        zero gradients), and a warning is issued once per loss module.
        Under DDP ``graph_scope`` decides which instances form the graph,
        and the first forward logs its size (``IRGEdgeLoss: graph over N
        instances (global, world size W, ...)``).

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (str, optional): Divide each edge matrix by its ``'max'``
            (the authors' code), its ``'mean'`` entry, or not at all
            (``None``). Defaults to ``'max'``.
        grad_through_max (bool): Let the student's gradient flow through its
            normaliser too, whichever ``normalize`` picks (the maximum or
            the mean; the name is the authors' default's). False treats it
            as a constant, as the authors' Caffe layer does. Defaults to
            False.
        graph_scope (str): ``'local'``: under DDP each GPU builds the graph
            of its own batch (``B^2`` edges, its own maximum), as the
            authors' single-GPU recipe and every reimplementation do, with
            no communication; the config's per-GPU ``batch_size`` is then
            the graph size whatever the number of GPUs, so weights tuned
            for it carry over. ``'global'``: one graph over the instances of
            all ranks (``(W B)^2`` edges), gathered with exact gradient, so
            ``W`` GPUs of ``B`` train like one of ``W B``; it costs an
            all-gather of ``B x D`` float32 features per rank and the
            ``(W B)^2`` matrix on every rank. Without a process group both
            are the same. Defaults to ``'local'``; see docs/distributed.md.

    Examples:
        >>> import torch
        >>> import irg_mm
        >>> from mmrazor.registry import MODELS
        >>> loss = MODELS.build(dict(type='IRGEdgeLoss'))
        >>> student = torch.rand(8, 64, requires_grad=True)
        >>> teacher = torch.rand(8, 512, 7, 7)
        >>> loss(student, teacher).backward()
    """

    # Set on the instance by the first one-instance batch.
    _warned_single_instance = False

    def graph_values(self, preds_S: Tensor,
                     preds_T: Tensor) -> Tuple[Tensor, Tensor]:
        """The student's and the teacher's ``B x B`` edge matrices.

        Args:
            preds_S (Tensor): This rank's student vertices ``[B, ...]``.
            preds_T (Tensor): This rank's teacher vertices ``[B, ...]``, same
                ``B``.

        Returns:
            tuple[Tensor, Tensor]: The squared-distance matrices over the
            instances of ``graph_scope``.
        """
        check_instance_features(type(self).__name__, preds_S, preds_T)
        preds_S, preds_T = self.gather_instances(preds_S, preds_T)
        if len(preds_S) == 1:
            self._warn_single_instance()
        # With B = 1 both matrices are [[0]] and the normaliser guard keeps
        # them so: the result is the connected zero documented above.
        return batch_squared_distances(preds_S), batch_squared_distances(
            preds_T)

    def _warn_single_instance(self) -> None:
        """Warn, once per module, that a one-instance batch has no edges."""
        if self._warned_single_instance:
            return
        self._warned_single_instance = True
        warnings.warn(
            f'{type(self).__name__} got a batch of one instance, which has '
            'no edges: the loss is 0 for such batches. Use a (per-GPU) batch '
            "size of at least 2, drop_last=True in the train dataloader, or "
            "graph_scope='global' under DDP.")
