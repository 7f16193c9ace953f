# Copyright (c) irg_mm contributors. All rights reserved.
"""A hook point that is not a module stops the build with its config key,
for MMRazor's ``ConfigurableDistiller`` and for ``IRGDistiller``, without
any pre-flight (the check runs as the distiller is prepared)."""
import os.path as osp

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.registry import MODELS

from irg_mm.errors import DistillConfigError
from irg_mm.models.distillers.hook_point_check import (check_hook_points,
                                                       hooked_modules)

IRG = osp.join(REPO_ROOT, 'configs/digits/irg_resnet8-w8_resnet20_digits.py')
KD = osp.join(REPO_ROOT, 'configs/digits/kd_resnet8-w8_resnet20_digits.py')


def _model_cfg(path: str, **distiller_changes) -> dict:
    model = Config.fromfile(path).model.to_dict()
    model.update(teacher_ckpt=None)
    for dotted, value in distiller_changes.items():
        node = model['distiller']
        *parents, leaf = dotted.split('.')
        for parent in parents:
            node = node[parent]
        node[leaf] = value
    return model


def test_mmrazor_distiller_names_the_recorder_key():
    model = _model_cfg(KD, **{'student_recorders.logits.source': 'head.fcc'})
    with pytest.raises(
            DistillConfigError,
            match=r'^model\.distiller\.student_recorders\.logits\.source: '
            r'"head\.fcc" is not a module of the student \(ImageClassifier\);'
            r" nearest: \['head\.fc'"):
        MODELS.build(model)


def test_irg_distiller_names_the_compact_key():
    model = _model_cfg(IRG, **{'edges.teacher': 'backbone.layer3.3'})
    with pytest.raises(
            DistillConfigError,
            match=r'^model\.distiller\.edges\.teacher: "backbone\.layer3\.3" '
            r'is not a module of the teacher'):
        MODELS.build(model)


def _hooked(network) -> set:
    return {
        name
        for name, module in network.named_modules() if module._forward_hooks
    }


@pytest.mark.parametrize(
    'config, side, recorder, hooked', [
        (IRG, 'teacher', 'irg_edges', ('sources', ['backbone.layer3.2'])),
        (KD, 'student', 'logits', ('source', ['head.fc'])),
    ],
    ids=['irg', 'kd'])
def test_good_hook_points_pass_and_are_hooked(config, side, recorder, hooked):
    algorithm = MODELS.build(_model_cfg(config))
    recorders = getattr(algorithm.distiller, f'{side}_recorders').recorders
    assert hooked_modules(recorders[recorder]) == hooked
    # On both sides, the modules with a forward hook are exactly those the
    # recorders name: the check let the build through, MMRazor hooked them,
    # and hooked_modules reads every hook point.
    for network in ('student', 'teacher'):
        named = {
            source
            for each in getattr(algorithm.distiller,
                                f'{network}_recorders').recorders.values()
            for source in hooked_modules(each)[1]
        }
        assert named and _hooked(getattr(algorithm, network)) == named


def test_function_recorders_hook_no_module():
    distiller = ConfigurableDistiller(
        student_recorders=dict(
            relu=dict(
                type='FunctionOutputs', source='torch.nn.functional.relu')))
    recorder = distiller.student_recorders.recorders['relu']
    assert hooked_modules(recorder) == ('source', [])
    check_hook_points(distiller, 'student',
                      MODELS.build(_model_cfg(KD)['architecture']))
