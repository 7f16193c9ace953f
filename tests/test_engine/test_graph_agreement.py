# Copyright (c) irg_mm contributors. All rights reserved.
import math

import pytest
import torch
from mmrazor.registry import MODELS
from torch import nn

from irg_mm.engine import collect_graph_pairs, pearson
from irg_mm.models.utils import batch_squared_distances, normalize_by_max


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
    pooled = student.block1(inputs).mean(dim=(2, 3))
    expected = normalize_by_max(batch_squared_distances(pooled))
    torch.testing.assert_close(pairs[1].student, expected)
    assert pairs[2].student.shape == (6, ) and pairs[2].student.max() == 1


@pytest.mark.parametrize('normalize', ['mean', None])
def test_pairs_use_the_losses_own_normaliser(normalize):
    torch.manual_seed(0)
    student, teacher, inputs = TwoBlocks(), TwoBlocks(), torch.rand(6, 3, 4, 4)
    pairs = collect_graph_pairs(
        distiller_after_forward(student, teacher, inputs, normalize))
    edges = batch_squared_distances(student.block1(inputs).mean(dim=(2, 3)))
    torch.testing.assert_close(pairs[1].student,
                               normalize_by_max(edges, normalize))


def test_identical_networks_agree_perfectly():
    student = TwoBlocks()
    pairs = collect_graph_pairs(
        distiller_after_forward(student, student, torch.rand(5, 3, 4, 4)))
    for pair in (pairs[0], pairs[2]):
        agreement = pair.agreement()
        assert agreement['corr'] == pytest.approx(1)
        assert agreement['mad'] == pytest.approx(0, abs=1e-6)


def test_pearson():
    x = torch.tensor([1., 2., 3.])
    assert pearson(x, 2 * x + 1) == pytest.approx(1)
    assert pearson(x, -x) == pytest.approx(-1)
    assert math.isnan(pearson(x, torch.ones(3)))
