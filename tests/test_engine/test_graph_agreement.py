# Copyright (c) irg_mm contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS
from torch import nn

from irg_mm.engine import GraphPair, collect_graph_pairs, pearson


class TwoBlocks(nn.Module):

    def __init__(self) -> None:
        super().__init__()
        self.block1 = nn.Conv2d(3, 4, 3, padding=1)
        self.block2 = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block2(self.block1(x))


def distiller_after_forward(student: nn.Module,
                            teacher: nn.Module,
                            inputs: torch.Tensor,
                            normalize: str = 'max'):
    """An IRGDistiller (edges + one transformation, plus MMRazor's KD on
    the logits) whose recorders hold one forward of each network."""
    # The scope keeps the nested builds in MMRazor's registries whatever
    # default scope an earlier test left behind.
    distiller = MODELS.build(
        dict(
            _scope_='mmrazor',
            type='IRGDistiller',
            edges=dict(
                student=['block2', 'block1'],
                teacher='block2',
                normalize=normalize),
            transforms=[
                dict(
                    student=['block1', 'block2'], teacher=['block1', 'block2'])
            ],
            student_recorders=dict(
                out=dict(type='ModuleOutputs', source='block2')),
            teacher_recorders=dict(
                out=dict(type='ModuleOutputs', source='block2')),
            distill_losses=dict(loss_kd=dict(type='L2Loss')),
            loss_forward_mappings=dict(
                loss_kd=dict(
                    s_feature=dict(from_student=True, recorder='out'),
                    t_feature=dict(from_student=False, recorder='out')))))
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    with distiller.student_recorders:
        student(inputs)
    with distiller.teacher_recorders:
        teacher(inputs)
    return distiller


def pooled(layer: nn.Module, inputs: torch.Tensor) -> np.ndarray:
    """A layer's globally averaged output as a float64 array."""
    with torch.no_grad():
        return layer(inputs).mean(dim=(2, 3)).double().numpy()


def numpy_edges(vertices: np.ndarray) -> np.ndarray:
    """Squared distances between all rows, by broadcasting."""
    return ((vertices[:, None] - vertices[None])**2).sum(-1)


def assert_matches(term: torch.Tensor, expected: np.ndarray) -> None:
    np.testing.assert_allclose(
        term.double().numpy(),
        expected,
        rtol=1e-5,
        atol=1e-6 * np.abs(expected).max())


def test_pairs_rebuild_the_normalised_terms():
    torch.manual_seed(0)
    student, teacher, inputs = TwoBlocks(), TwoBlocks(), torch.rand(6, 3, 4, 4)
    pairs = collect_graph_pairs(
        distiller_after_forward(student, teacher, inputs))
    # L2Loss is not an IRG term and is skipped.
    assert [(p.short_name, p.kind)
            for p in pairs] == [('edge0', 'edge'), ('edge1', 'edge'),
                                ('transform0', 'transform')]
    assert pairs[1].student_source == 'block1'
    assert pairs[1].teacher_source == 'block2'
    assert pairs[2].student_source == 'block1 -> block2'
    first = pooled(student.block1, inputs)
    second = pooled(nn.Sequential(student.block1, student.block2), inputs)
    edges = numpy_edges(first)
    assert_matches(pairs[1].student, edges / edges.max())
    teacher_edges = numpy_edges(
        pooled(nn.Sequential(teacher.block1, teacher.block2), inputs))
    assert_matches(pairs[0].teacher, teacher_edges / teacher_edges.max())
    # Equal widths: no channel alignment, one squared distance per instance.
    transform = ((first - second)**2).sum(-1)
    assert_matches(pairs[2].student, transform / transform.max())


@pytest.mark.parametrize('normalize', ['mean', None])
def test_pairs_use_the_losses_own_normaliser(normalize):
    torch.manual_seed(0)
    student, teacher, inputs = TwoBlocks(), TwoBlocks(), torch.rand(6, 3, 4, 4)
    pairs = collect_graph_pairs(
        distiller_after_forward(student, teacher, inputs, normalize))
    edges = numpy_edges(pooled(student.block1, inputs))
    # 'mean' is over all B x B entries, the zero diagonal included.
    expected = edges / edges.mean() if normalize == 'mean' else edges
    assert_matches(pairs[1].student, expected)


def test_identical_networks_agree_perfectly():
    student = TwoBlocks()
    pairs = collect_graph_pairs(
        distiller_after_forward(student, student, torch.rand(5, 3, 4, 4)))
    for pair in (pairs[0], pairs[2]):
        agreement = pair.agreement()
        assert agreement['corr'] == pytest.approx(1)
        assert agreement['mad'] == pytest.approx(0, abs=1e-6)


def test_agreement_of_edges_reads_above_the_diagonal():
    student = torch.tensor([[0., 1., 2.], [1., 0., 3.], [2., 3., 0.]])
    # Above the diagonal 2, 3, 7 against 1, 2, 3: r from numpy, and the
    # mean absolute difference (1 + 1 + 4) / 3 = 2; below it (ignored)
    # nothing agrees.
    teacher = torch.tensor([[5., 2., 3.], [9., 5., 7.], [9., 9., 5.]])
    agreement = GraphPair('loss_irg_edge0', 'edge', 's', 't', student,
                          teacher).agreement()
    assert agreement['corr'] == pytest.approx(
        np.corrcoef([1, 2, 3], [2, 3, 7])[0, 1])
    assert agreement['mad'] == pytest.approx(2)


def test_agreement_of_transforms_reads_every_entry():
    agreement = GraphPair('loss_irg_transform0', 'transform', 's', 't',
                          torch.tensor([1., 0.5, 0.]),
                          torch.tensor([0., 0.5, 1.])).agreement()
    assert agreement == pytest.approx(dict(corr=-1, mad=2 / 3))


def test_pearson():
    x = torch.tensor([1., 2., 3.])
    assert pearson(x, 2 * x + 1) == pytest.approx(1)
    assert pearson(x, -x) == pytest.approx(-1)
    # By hand: deviations (-1, 0, 1) and (-7, -1, 8) / 3 give
    # 5 / (sqrt(2) * sqrt(114) / 3).
    assert pearson(x, torch.tensor([2., 4.,
                                    7.])) == pytest.approx(15 / math.sqrt(228))
    assert math.isnan(pearson(x, torch.ones(3)))
