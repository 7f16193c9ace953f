# Copyright (c) irg_mm contributors. All rights reserved.
"""ChannelsLastHook: NHWC model and inputs, the same results."""
from types import SimpleNamespace

import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from irg_mm.engine.hooks import ChannelsLastHook
from irg_mm.utils import load_scalars


def _classifier() -> torch.nn.Module:
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='HeResNetCIFAR', depth=8, base_channels=8),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=32),
            data_preprocessor=dict(
                type='ClsDataPreprocessor', mean=[72.9] * 3, std=[90.0] * 3)))


def _batch() -> dict:
    torch.manual_seed(1)
    return dict(
        inputs=torch.randint(0, 256, (4, 3, 28, 28), dtype=torch.uint8),
        data_samples=[DataSample().set_gt_label(i) for i in range(4)])


def _logits(model: torch.nn.Module, amp: bool) -> torch.Tensor:
    model.eval()
    with torch.no_grad(), torch.autocast('cpu', torch.bfloat16, enabled=amp):
        data = model.data_preprocessor(_batch())
        return model(data['inputs'], mode='tensor').float(), data['inputs']


def test_model_and_inputs_become_channels_last_with_equal_results():
    reference, plain = _classifier(), _classifier()
    parameters = list(plain.parameters())
    ChannelsLastHook().before_run(SimpleNamespace(model=plain))
    conv = plain.backbone.layer1[0].conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert not conv.is_contiguous()
    # The optimizer built before the hook still holds the same parameters.
    assert all(a is b for a, b in zip(parameters, plain.parameters()))
    for amp, tolerance in ((False, 1e-5), (True, 2e-2)):
        expected, _ = _logits(reference, amp)
        logits, inputs = _logits(plain, amp)
        assert inputs.is_contiguous(memory_format=torch.channels_last)
        assert not inputs.is_contiguous()
        torch.testing.assert_close(
            logits, expected, atol=tolerance, rtol=tolerance)


def test_train_channels_last_flag(tmp_path, python_runner):
    result = python_runner([
        'tools/train.py', 'configs/digits/kd_resnet8-w8_resnet20_digits.py',
        '--amp', '--channels-last', '--no-validate', '--work-dir',
        str(tmp_path), '--cfg-options', 'model.teacher_ckpt=None',
        'preflight.allow_random_teacher=True',
        'train_dataloader.dataset.train_fraction=0.1',
        'train_cfg.max_epochs=2', 'default_hooks.logger.interval=1'
    ])
    log = result.stdout + result.stderr
    assert "dict(type='ChannelsLastHook')" in log
    assert '(VERY_HIGH   ) ChannelsLastHook' in log
    assert len(load_scalars(str(tmp_path))) == 4
