# Copyright (c) irg_mm contributors. All rights reserved.
"""GradientShareHook inside a real Runner on a tiny digits MTK run: shares
measured as defined, written once, and the training left unchanged."""
import json
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.runner import Runner
from torch import nn

from irg_mm.engine.hooks.gradient_share_hook import gradient_norms

CONFIG = 'configs/digits/mtk_resnet8-w8_resnet20_digits.py'


def tiny_run(work_dir, hooks: list) -> Runner:
    """Two epochs of 2 iterations on 10% of the digits, random teacher."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    cfg.merge_from_dict({
        'work_dir': str(work_dir),
        'experiment_name': f'share_{osp.basename(work_dir)}',
        'model.teacher_ckpt': None,
        'train_dataloader.dataset.train_fraction': 0.1,
        'train_cfg.max_epochs': 2,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint': None,
        'randomness.seed': 0,
        'custom_hooks': hooks,
    })
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def test_norms_are_each_terms_own_gradient():
    weight = nn.Parameter(torch.tensor([3.0, 4.0]))
    other = nn.Parameter(torch.tensor([1.0]))
    losses = {
        'loss_a': (weight**2).sum(),  # gradient 2w: norm 10
        'loss_b': [weight.sum(), weight.sum()],  # gradient 2: norm sqrt(8)
        'loss_c': other.sum(),  # does not reach weight
        'acc': weight.sum(),  # not a loss
    }
    norms = gradient_norms(losses, [weight])
    assert norms == pytest.approx(dict(loss_a=10.0, loss_b=8**0.5, loss_c=0.0))
    assert weight.grad is None


def test_shares_are_logged_and_training_is_unchanged(tmp_path):
    plain = tiny_run(tmp_path / 'plain', [])
    hook = dict(type='GradientShareHook', interval=1, epochs=1)
    measured = tiny_run(tmp_path / 'measured', [hook])
    for (name, a), b in zip(plain.model.state_dict().items(),
                            measured.model.state_dict().values()):
        assert torch.equal(a, b), name

    with open(osp.join(measured.work_dir, 'grad_shares.json')) as f:
        summary = json.load(f)
    assert summary['reference'] == 'student.loss'
    terms = summary['terms']
    assert terms['student.loss']['share'] == pytest.approx(1.0)
    # Epoch 1 only: its two iterations.
    assert {entry['samples'] for entry in terms.values()} == {2}
    edge = terms['distill.loss_irg_edge0']
    assert edge['share'] == pytest.approx(
        edge['norm'] / terms['student.loss']['norm'], rel=0.5)
    history = measured.message_hub.log_scalars[
        'train/grad_share/distill.loss_irg_edge0'].data[0]
    assert len(history) == 2
    assert edge['share'] == pytest.approx(history.mean())


def test_a_wrong_reference_names_the_losses(tmp_path):
    hook = dict(type='GradientShareHook', reference='loss_ce')
    with pytest.raises(
            Exception,
            match="reference: 'loss_ce' is not a loss"
            r" of this model \(\['distill.loss_irg_edge0'"):
        tiny_run(tmp_path, [hook])
