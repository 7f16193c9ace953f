# Copyright (c) irg_mm contributors. All rights reserved.
import torch
import torch.nn as nn
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

from irg_mm.compat.mmrazor_inplace import set_module_inplace_false

TINY_CLASSIFIER = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='HeResNetCIFAR', depth=8, base_channels=4),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=3,
        in_channels=16,
        loss=dict(type='CrossEntropyLoss')))

# The stem batch norm is followed by an in-place ReLU in mmpretrain's ResNet.
STEM_BN = dict(type='ModuleOutputs', source='backbone.bn1')


def _build_distill():
    return MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=TINY_CLASSIFIER,
            teacher=TINY_CLASSIFIER,
            distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=dict(bn=STEM_BN),
                teacher_recorders=dict(bn=STEM_BN))))


def test_recorder_before_inplace_relu_keeps_negative_values():
    torch.manual_seed(0)
    algorithm = _build_distill()
    inputs = torch.randn(4, 3, 8, 8)
    samples = [DataSample().set_gt_label(i % 3) for i in range(4)]

    algorithm(inputs, samples, mode='loss')

    distiller = algorithm.distiller
    for recorders in (distiller.student_recorders,
                      distiller.teacher_recorders):
        recorded = recorders.get_recorder('bn').get_record_data()
        # A batch norm output in training mode is centred per channel; all
        # values >= 0 would mean the ReLU overwrote it in place.
        assert recorded.min() < 0


def test_every_nested_inplace_flag_is_switched_off():
    block = nn.ModuleDict(
        dict(
            act=nn.ReLU(inplace=True),
            deep=nn.Sequential(nn.Conv2d(1, 1, 1),
                               nn.Hardswish(inplace=True))))
    model = nn.Sequential(nn.ReLU6(inplace=True), block)

    set_module_inplace_false(None, {'model': model}, 'self.model')

    flags = [m.inplace for m in model.modules() if hasattr(m, 'inplace')]
    assert flags == [False, False, False]


def test_module_inplace_true_keeps_inplace_ops():
    algorithm = MODELS.build(
        dict(
            type='SingleTeacherDistill',
            architecture=TINY_CLASSIFIER,
            teacher=TINY_CLASSIFIER,
            module_inplace=True,
            teacher_module_inplace=True,
            distiller=dict(type='ConfigurableDistiller')))

    assert algorithm.student.backbone.relu.inplace
    assert algorithm.teacher.backbone.relu.inplace
    assert not _build_distill().student.backbone.relu.inplace
