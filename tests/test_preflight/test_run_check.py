# Copyright (c) irg_mm contributors. All rights reserved.
"""Where a frozen teacher's weights may come from, and the schedule check."""
import os.path as osp

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config

from irg_mm.errors import ConfigError, DistillConfigError
from irg_mm.preflight.run_check import check_teacher_weights
from irg_mm.preflight.schedule_check import check_schedule

IRG = osp.join(REPO_ROOT, 'configs/digits/irg_resnet8-w8_resnet20_digits.py')


@pytest.fixture
def random_teacher_cfg() -> Config:
    cfg = Config.fromfile(IRG)
    cfg.model.teacher_ckpt = None
    return cfg


@pytest.mark.parametrize('weights_from', [
    {
        'load_from': 'work_dirs/x/epoch_3.pth'
    },
    {
        'resume': True
    },
    {
        'model.teacher_trainable': True
    },
    {
        'model.teacher.init_cfg': dict(type='Pretrained', checkpoint='t.pth')
    },
    {
        'model.teacher.backbone.init_cfg':
        [dict(type='Kaiming'),
         dict(type='Pretrained', checkpoint='b.pth')]
    },
    {
        'preflight.allow_random_teacher': True
    },
])
def test_teacher_weights_from_anywhere_but_nowhere_pass(
        random_teacher_cfg, weights_from):
    random_teacher_cfg.merge_from_dict(weights_from)
    check_teacher_weights(random_teacher_cfg)


def test_teacher_without_weights_fails(random_teacher_cfg):
    random_teacher_cfg.model.teacher.init_cfg = dict(type='Kaiming')
    with pytest.raises(DistillConfigError, match='randomly initialised'):
        check_teacher_weights(random_teacher_cfg)


@pytest.mark.parametrize('max_epochs, fails', [(1, True), (2, False)])
def test_digits_schedule_needs_two_epochs(max_epochs, fails):
    cfg = Config.fromfile(IRG)
    cfg.train_cfg.max_epochs = max_epochs
    if fails:
        with pytest.raises(ConfigError, match='param_scheduler\\[1\\]'):
            check_schedule(cfg)
    else:
        check_schedule(cfg)


def test_iteration_schedules_are_checked_against_max_iters():
    cfg = Config(
        dict(
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=100),
            param_scheduler=[
                dict(type='LinearLR', by_epoch=False, begin=0, end=200),
                dict(type='CosineAnnealingLR', by_epoch=False, begin=100)
            ]))
    with pytest.raises(
            ConfigError,
            match='begins at iteration 100, but '
            'train_cfg.max_iters=100'):
        check_schedule(cfg)


def test_per_optimizer_schedulers_are_checked_one_by_one():
    cfg = Config(
        dict(
            train_cfg=dict(by_epoch=False, max_iters=100),
            param_scheduler=dict(
                architecture=[dict(type='LinearLR', by_epoch=False, end=50)],
                generator=dict(type='LinearLR', by_epoch=False, begin=100))))
    with pytest.raises(
            ConfigError,
            match=r'param_scheduler\.generator\[0\] '
            r'\(LinearLR\): begins at iteration 100'):
        check_schedule(cfg)
