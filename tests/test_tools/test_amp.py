# Copyright (c) irg_mm contributors. All rights reserved.
"""``tools/train.py --amp`` without a GPU: bfloat16 autocast on the CPU."""
import math
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.registry import OPTIM_WRAPPERS

from irg_mm.engine.optim_wrappers import (CPUAmpOptimWrapper,
                                          amp_optim_wrapper_cfg)
from irg_mm.models import IRGEdgeLoss
from irg_mm.utils import load_scalars

IRG_CONFIG = 'configs/digits/irg_resnet8-w8_resnet20_digits.py'


def _wrapper() -> Tuple[CPUAmpOptimWrapper, nn.Module]:
    model = nn.Linear(4, 3)
    return OPTIM_WRAPPERS.build(
        dict(
            type='CPUAmpOptimWrapper',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))), model


def test_amp_wrapper_is_chosen_by_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cpu = amp_optim_wrapper_cfg(ConfigDict(optimizer=dict(type='SGD')))
    assert cpu == dict(type='CPUAmpOptimWrapper', optimizer=dict(type='SGD'))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cuda = amp_optim_wrapper_cfg(ConfigDict(optimizer=dict(type='SGD')))
    assert cuda.type == 'AmpOptimWrapper' and cuda.loss_scale == 'dynamic'


def test_context_autocasts_and_irg_maths_stays_float32():
    wrapper, model = _wrapper()
    with wrapper.optim_context(model):
        features = model(torch.rand(5, 4))
        loss = IRGEdgeLoss()(features, torch.rand(5, 2))
    assert features.dtype == torch.bfloat16
    assert loss.dtype == torch.float32
    wrapper.update_params(loss)
    assert model.weight.dtype == torch.float32
    assert not torch.is_autocast_enabled('cpu')


def test_train_amp_on_cpu(tmp_path, python_runner):
    result = python_runner([
        'tools/train.py', IRG_CONFIG, '--amp', '--no-validate', '--work-dir',
        str(tmp_path), '--cfg-options', 'model.teacher_ckpt=None',
        'preflight.allow_random_teacher=True',
        'train_dataloader.dataset.train_fraction=0.1',
        'train_cfg.max_epochs=2', 'default_hooks.logger.interval=1',
        'randomness.seed=0'
    ])
    log = result.stdout + result.stderr
    assert "type='CPUAmpOptimWrapper'" in log
    # The edge records come from the student's blocks: autocast reached them.
    assert ('IRGEdgeLoss: graph over 64 instances (local, world size 1, '
            'student records in bfloat16)') in log
    records = load_scalars(str(tmp_path))
    assert len(records) == 4  # 125 images, batch 64: 2 iterations x 2 epochs
    for record in records:
        losses = {k: v for k, v in record.items() if 'loss' in k}
        assert 'distill.loss_irg_edge0' in losses
        assert 'distill.loss_irg_transform1' in losses
        assert all(math.isfinite(v) for v in losses.values()), losses
