# Copyright (c) irg_mm contributors. All rights reserved.
import pytest
import torch

from irg_mm.cost_benchmark.steps import KD_KEYS, TrainStep, step_model_cfg


def test_step_model_cfg_swaps_only_the_distiller():
    irg = step_model_cfg('irg')
    kd = step_model_cfg('kd')
    irg_kd = step_model_cfg('irg_kd')
    assert irg['type'] == 'SingleTeacherDistill'
    assert irg['teacher_ckpt'] is None
    assert irg['distiller']['type'] == 'IRGDistiller'
    assert kd['distiller']['type'] == 'ConfigurableDistiller'
    # KD as configs/irg/irg-kd_resnet18_resnet34_imagenet.py ships it.
    assert kd['distiller']['distill_losses'] == dict(
        loss_kd=dict(type='KLDivergence', tau=1, loss_weight=3))
    assert kd['distiller']['student_recorders'] == dict(
        logits=dict(type='ModuleOutputs', source='head.fc'))
    assert irg_kd['distiller'] == dict(
        irg['distiller'], **{key: kd['distiller'][key]
                             for key in KD_KEYS})
    assert {
        key: value
        for key, value in kd.items() if key != 'distiller'
    } == {
        key: value
        for key, value in irg.items() if key != 'distiller'
    }
    assert step_model_cfg('student') == irg['architecture']


def test_train_step_refuses_to_time_a_diverged_step():

    class Diverged:

        def train_step(self, data, optim_wrapper):
            return dict(loss=torch.tensor(float('nan')))

    step = TrainStep(Diverged(), None, {})
    step()
    with pytest.raises(RuntimeError, match=r"irg: non-finite \['loss'\]"):
        step.check_finite('irg')
