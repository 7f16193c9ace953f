# Copyright (c) irg_mm contributors. All rights reserved.
"""Compare the teacher's and the student's instance relationship graphs.

Reads what an MMRazor distiller recorded in its last forward, so the
training monitor hook and the graph figure (``irg_mm.visualization``) see
exactly the matrices and vectors that the IRG losses of that forward saw.
"""
from dataclasses import dataclass
from typing import Dict, List

import torch
from mmrazor.models.distillers import ConfigurableDistiller
from torch import Tensor

from ..models.distillers.record_sources import record_sources
from ..models.losses import IRGEdgeLoss, IRGTransformLoss

EDGE, TRANSFORM = 'edge', 'transform'
# The losses whose terms are compared.
GRAPH_LOSSES = (IRGEdgeLoss, IRGTransformLoss)


@dataclass
class GraphPair:
    """The teacher's and the student's graph term behind one IRG loss.

    Args:
        loss_name (str): The distiller's loss name, e.g. ``loss_irg_edge0``.
        kind (str): ``'edge'`` (``[B, B]`` matrices) or ``'transform'``
            (``[B]`` vectors).
        student_source (str): The student hook point(s) the term reads.
        teacher_source (str): The teacher hook point(s) the term reads.
        student (Tensor): The student's term, normalised as its loss does.
        teacher (Tensor): The teacher's term, normalised as its loss does.
    """

    loss_name: str
    kind: str
    student_source: str
    teacher_source: str
    student: Tensor
    teacher: Tensor

    @property
    def short_name(self) -> str:
        """str: The loss name without ``loss_`` and ``irg_``, e.g.
        ``edge0``."""
        return self.loss_name.removeprefix('loss_').removeprefix('irg_')

    def agreement(self) -> Dict[str, float]:
        """Pearson correlation and mean absolute difference of the two terms.

        Edge matrices are compared on their entries above the diagonal: the
        diagonal is zero by construction and the lower half repeats the
        upper one.

        Returns:
            dict[str, float]: ``corr`` (NaN when either term is constant)
            and ``mad``; both are NaN for the edges of a one-instance batch,
            which has none.
        """
        student, teacher = self.student, self.teacher
        if self.kind == EDGE:
            rows, cols = torch.triu_indices(
                *student.shape, offset=1, device=student.device)
            student, teacher = student[rows, cols], teacher[rows, cols]
        return dict(
            corr=pearson(student, teacher),
            mad=(student - teacher).abs().mean().item())


def pearson(x: Tensor, y: Tensor) -> float:
    """Pearson correlation of two equally long vectors.

    Args:
        x (Tensor): A 1-D tensor.
        y (Tensor): A 1-D tensor of the same length.

    Returns:
        float: The correlation, NaN when either vector is constant.

    Examples:
        >>> pearson(torch.tensor([1., 2., 3.]), torch.tensor([2., 4., 7.]))
        0.9933...
    """
    x, y = x.double() - x.double().mean(), y.double() - y.double().mean()
    denominator = x.norm() * y.norm()
    if denominator == 0:
        return float('nan')
    return (x @ y / denominator).item()


@torch.no_grad()
def collect_graph_pairs(distiller: ConfigurableDistiller) -> List[GraphPair]:
    """Rebuild every IRG edge and transformation term of the last forward.

    For each :class:`IRGEdgeLoss` and :class:`IRGTransformLoss` of the
    distiller, the records its ``loss_forward_mappings`` name (through the
    connectors, as the loss saw them) become the student's and the teacher's
    edge matrix or transformation vector, computed by the loss itself
    (:meth:`~irg_mm.models.losses.NormalizedGraphLoss.graph_terms`): over
    the instances of its ``graph_scope`` (a ``'global'`` loss gathers them
    from every rank, so under DDP call this on every rank), each divided by
    the loss's own ``normalize`` statistic. Other losses are skipped.

    Args:
        distiller (ConfigurableDistiller): A distiller whose recorders hold
            the records of a forward, e.g. ``model.distiller`` after a
            training iteration of ``SingleTeacherDistill``.

    Returns:
        list[GraphPair]: One entry per IRG edge or transformation loss, in
        the order of ``loss_forward_mappings``.
    """
    pairs = []
    for name, mapping in distiller.loss_forward_mappings.items():
        loss = distiller.distill_losses[name]
        if not isinstance(loss, GRAPH_LOSSES):
            continue
        student, teacher = loss.graph_terms(*(distiller.get_record(
            **mapping[key]) for key in ('preds_S', 'preds_T')))
        pairs.append(
            GraphPair(
                loss_name=name,
                kind=EDGE if isinstance(loss, IRGEdgeLoss) else TRANSFORM,
                student_source=record_sources(distiller, mapping['preds_S']),
                teacher_source=record_sources(distiller, mapping['preds_T']),
                student=student,
                teacher=teacher))
    return pairs
