# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/model_converters/convert_to_student.py on real distiller weights."""
import json
import os.path as osp
import runpy
import sys

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.logging import HistoryBuffer
from mmengine.runner import load_checkpoint
from mmpretrain.datasets import CIFAR10
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmrazor.registry import MODELS
from tiny_data import make_cifar, unchecked_cifar

from irg_mm.compat import safe_torch_load

CONVERTER = 'tools/model_converters/convert_to_student.py'
IMAGENET_CONFIG = 'configs/irg/resnet18_resnet50_imagenet.py'
IMAGENET_STUDENT = 'mmpretrain::resnet/resnet18_8xb32_in1k.py'
CIFAR_CONFIG = 'configs/irg/resnet20-x0.5_resnet20_cifar10.py'
CIFAR_STUDENT = 'configs/cifar/resnet20-x0.5_cifar10.py'


def _save_distill_checkpoint(config: str, path: str) -> torch.nn.Module:
    """Build a config's distiller and save it as mmengine's CheckpointHook
    does (meta with the config, message hub with a HistoryBuffer)."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    cfg.model.teacher_ckpt = None
    algorithm = MODELS.build(cfg.model)
    loss = HistoryBuffer()
    loss.update(2.3)
    torch.save(
        dict(
            meta=dict(cfg=cfg.pretty_text, epoch=3, iter=30),
            state_dict=algorithm.state_dict(),
            message_hub=dict(log_scalars={'train/loss': loss})), path)
    # SingleTeacherDistill.train() does not return the module.
    algorithm.eval()
    return algorithm


def test_student_loads_strictly_into_mmpretrain_config(tmp_path,
                                                       python_runner):
    src, dst = str(tmp_path / 'epoch_3.pth'), str(tmp_path / 'student.pth')
    algorithm = _save_distill_checkpoint(IMAGENET_CONFIG, src)

    result = python_runner([CONVERTER, src, dst])
    assert 'dropped' in result.stdout

    checkpoint = safe_torch_load(dst)
    assert set(checkpoint) == {'meta', 'state_dict'}
    assert checkpoint['meta'] == dict(
        epoch=3, iter=30, converted_from='epoch_3.pth')
    student = MMPRETRAIN_MODELS.build(get_config(IMAGENET_STUDENT).model)
    assert checkpoint['state_dict'].keys() == student.state_dict().keys()
    load_checkpoint(student, dst, strict=True)
    inputs = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        expected = algorithm.student(inputs, mode='tensor')
        logits = student.eval()(inputs, mode='tensor')
    torch.testing.assert_close(logits, expected, rtol=0, atol=0)


def _run_test_tool(config, checkpoint, work_dir, cifar_cfg_options,
                   monkeypatch, *extra):
    """tools/test.py in this process, where the tiny CIFAR type exists."""
    out = osp.join(work_dir, 'metrics.json')
    monkeypatch.setattr(sys, 'argv', [
        'tools/test.py', config, checkpoint, '--work-dir', work_dir, '--out',
        out, '--cfg-options', *cifar_cfg_options, *extra
    ])
    monkeypatch.chdir(REPO_ROOT)
    runpy.run_path(osp.join(REPO_ROOT, 'tools/test.py'), run_name='__main__')
    with open(out) as f:
        return json.load(f)


def test_student_tests_like_the_distiller_with_tools_test(
        tmp_path, monkeypatch):
    src, dst = str(tmp_path / 'epoch_3.pth'), str(tmp_path / 'student.pth')
    _save_distill_checkpoint(CIFAR_CONFIG, src)
    assert _convert(monkeypatch, src, dst) == ''

    data_root = make_cifar(str(tmp_path / 'cifar10'), CIFAR10, 16)
    cifar_cfg_options = [
        f'test_dataloader.dataset.type={unchecked_cifar(CIFAR10)}',
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.batch_size=4', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ]
    student = _run_test_tool(CIFAR_STUDENT, dst, str(tmp_path / 'student'),
                             cifar_cfg_options, monkeypatch)
    distiller = _run_test_tool(CIFAR_CONFIG, src, str(tmp_path / 'distill'),
                               cifar_cfg_options, monkeypatch,
                               'model.teacher_ckpt=None')
    # The distiller's test also reports its teacher, as teacher.*.
    assert 'teacher.accuracy/top1' in distiller
    assert student == pytest.approx({
        key: value
        for key, value in distiller.items() if not key.startswith('teacher.')
    })
    assert 'accuracy/top1' in student


def _convert(monkeypatch, src: str, dst: str) -> str:
    """Run the converter's command line in this process (a subprocess costs
    seconds of imports); returns the message it exits with, or ''."""
    monkeypatch.setattr(sys, 'argv', [CONVERTER, src, dst])
    try:
        runpy.run_path(osp.join(REPO_ROOT, CONVERTER), run_name='__main__')
    except SystemExit as error:
        return str(error.code)
    return ''


def _refused(monkeypatch, src: str, dst: str) -> str:
    message = _convert(monkeypatch, src, dst)
    assert message.startswith('convert_to_student: ')
    assert not osp.exists(dst)
    return message


def test_plain_classifier_checkpoint_is_refused(tmp_path, monkeypatch):
    src = str(tmp_path / 'plain.pth')
    torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(1)}), src)
    message = _refused(monkeypatch, src, str(tmp_path / 'out.pth'))
    assert "no weights start with 'architecture.'" in message
    assert 'not a checkpoint of an MMRazor distillation' in message


def test_checkpoint_without_state_dict_is_refused(tmp_path, monkeypatch):
    src = str(tmp_path / 'bare.pth')
    torch.save({'architecture.head.fc.bias': torch.zeros(1)}, src)
    message = _refused(monkeypatch, src, str(tmp_path / 'out.pth'))
    assert 'has no `state_dict` entry' in message


def test_unsafe_or_truncated_checkpoint_is_refused(tmp_path, monkeypatch):
    unsafe, truncated = str(tmp_path / 'unsafe.pth'), str(tmp_path / 't.pth')
    torch.save(dict(state_dict={}, extra=Config(dict(a=1))), unsafe)
    torch.save(dict(state_dict={'architecture.w': torch.zeros(64)}), truncated)
    with open(truncated, 'rb') as f:
        head = f.read()[:100]
    with open(truncated, 'wb') as f:
        f.write(head)
    dst = str(tmp_path / 'out.pth')
    assert 'Refused to load checkpoint' in _refused(monkeypatch, unsafe, dst)
    assert 'truncated or not a PyTorch checkpoint' in _refused(
        monkeypatch, truncated, dst)


def test_output_must_differ_from_input(tmp_path, monkeypatch):
    src = str(tmp_path / 'epoch_3.pth')
    torch.save(dict(state_dict={}), src)
    assert 'OUT must differ' in _convert(monkeypatch, src, src)
