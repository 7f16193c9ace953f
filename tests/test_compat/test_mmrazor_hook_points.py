# Copyright (c) irg_mm contributors. All rights reserved.
"""The hook-point check is installed on MMRazor's ConfigurableDistiller once
(tests/test_models/test_distillers/test_hook_point_check.py shows what it
reports)."""
from collections import OrderedDict

import pytest
import torch
from mmrazor.models.distillers import ConfigurableDistiller
from torch import nn

from irg_mm.compat.mmrazor_hook_points import check_hook_points_on_prepare
from irg_mm.errors import DistillConfigError
from irg_mm.models.distillers import hook_point_check


def _network() -> nn.Module:
    return nn.Sequential(
        OrderedDict(backbone=nn.Linear(3, 4), head=nn.Linear(4, 2)))


def _distiller(student: str = 'head',
               teacher: str = 'head') -> ConfigurableDistiller:
    return ConfigurableDistiller(
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source=student)),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source=teacher)))


@pytest.mark.parametrize('side', ['student', 'teacher'])
def test_each_side_stops_a_missing_hook_point_with_its_key(side):
    distiller = _distiller(**{side: 'head.fcc'})
    with pytest.raises(
            DistillConfigError,
            match=rf'^model\.distiller\.{side}_recorders\.logits\.source: '
            rf'"head\.fcc" is not a module of the {side} \(Sequential\)'):
        getattr(distiller, f'prepare_from_{side}')(_network())


def test_installing_again_checks_once_and_mmrazor_still_hooks(monkeypatch):
    check_hook_points_on_prepare()
    checked = []
    check = hook_point_check.check_hook_points

    def counted(distiller, side, network):
        checked.append(side)
        check(distiller, side, network)

    monkeypatch.setattr(hook_point_check, 'check_hook_points', counted)
    distiller, student, teacher = _distiller(), _network(), _network()
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    assert checked == ['student', 'teacher']
    # MMRazor's own prepare ran after the check: the heads are recorded.
    x = torch.rand(5, 3)
    for side, network in (('student', student), ('teacher', teacher)):
        recorders = getattr(distiller, f'{side}_recorders')
        with recorders:
            out = network(x)
        torch.testing.assert_close(
            recorders.get_recorder('logits').get_record_data(),
            out,
            rtol=0,
            atol=0)
