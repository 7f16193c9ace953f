# Copyright (c) irg_mm contributors. All rights reserved.
"""Compare the teacher's and the student's instance relationship graphs.

Reads what an MMRazor distiller recorded in its last forward, so the
training monitor hook and ``tools/analysis/visualize_irg.py`` see exactly the
matrices and vectors that the IRG losses of that forward saw.
"""
from dataclasses import dataclass
from typing import Dict, List

import torch
from mmrazor.models.distillers import ConfigurableDistiller
from torch import Tensor

from ..models.losses import IRGEdgeLoss, IRGTransformLoss
from ..models.utils import batch_squared_distances, normalize_by_max

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
        student (Tensor): The student's term, divided by its batch maximum.
        teacher (Tensor): The teacher's term, divided by its batch maximum.
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


def _source(distiller: ConfigurableDistiller, record: dict) -> str:
    """Name the hook point(s) that one ``loss_forward_mappings`` entry
    reads."""
    manager = distiller.student_recorders if record['from_student'] else \
        distiller.teacher_recorders
    recorder = manager.get_recorder(record['recorder'])
    sources = getattr(recorder, 'sources', None)
    if sources is None:
        return recorder.source
    data_idx = record.get('data_idx')
    return sources[data_idx] if data_idx is not None else ' -> '.join(sources)


@torch.no_grad()
def collect_graph_pairs(distiller: ConfigurableDistiller) -> List[GraphPair]:
    """Rebuild every IRG edge and transformation term of the last forward.

    For each :class:`IRGEdgeLoss` and :class:`IRGTransformLoss` of the
    distiller, the records its ``loss_forward_mappings`` name (through the
    connectors, as the loss saw them) become the student's and the teacher's
    edge matrix or transformation vector, each divided by its own batch
    maximum as in the paper, whatever normaliser the loss uses (correlations
    do not depend on it). Other losses are skipped.

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
        kind = EDGE if isinstance(loss, IRGEdgeLoss) else TRANSFORM
        terms = []
        for key in ('preds_S', 'preds_T'):
            record = distiller.get_record(**mapping[key])
            if kind == EDGE:
                record = batch_squared_distances(record)
            terms.append(normalize_by_max(record))
        pairs.append(
            GraphPair(
                loss_name=name,
                kind=kind,
                student_source=_source(distiller, mapping['preds_S']),
                teacher_source=_source(distiller, mapping['preds_T']),
                student=terms[0],
                teacher=terms[1]))
    return pairs
