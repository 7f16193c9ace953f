# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/test.py on a distillation checkpoint needs only the config and the
checkpoint, and reports the student and the teacher."""
import json
import os.path as osp
import shutil

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from test_train import QUICK

from irg_mm.errors import DistillConfigError
from irg_mm.launch.distill_checkpoint import prepare_distill_test
from irg_mm.utils import load_scalars

IRG_CONFIG = 'configs/digits/irg_resnet8-w8_resnet20_digits.py'
STUDENT_CONFIG = 'configs/digits/resnet8-w8_digits.py'


def _config(path: str, load_from: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO_ROOT, path))
    cfg.load_from = load_from
    return cfg


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory) -> str:
    """A teacher far from random: its head a least-squares fit on its own
    random features of the digits training images (about 95 % val top-1)."""
    from mmpretrain.registry import DATASETS, MODELS
    cfg = Config.fromfile(osp.join(REPO_ROOT, IRG_CONFIG))
    teacher = MODELS.build(cfg.model.teacher).eval()
    preprocessor = MODELS.build(
        dict(type='ClsDataPreprocessor', **cfg.data_preprocessor))
    dataset = DATASETS.build(dict(cfg.val_dataloader.dataset, split='train'))
    data = preprocessor(
        pseudo_collate([dataset[i] for i in range(len(dataset))]), False)
    with torch.no_grad():
        features = teacher.extract_feat(data['inputs'])[-1]
    labels = torch.cat([sample.gt_label for sample in data['data_samples']])
    fit = torch.linalg.lstsq(
        torch.cat([features, torch.ones(len(features), 1)], dim=1),
        torch.nn.functional.one_hot(labels, 10).float()).solution
    state_dict = teacher.state_dict()
    state_dict['head.fc.weight'], state_dict['head.fc.bias'] = fit[:-1].T, \
        fit[-1]
    path = str(tmp_path_factory.mktemp('teacher') / 'teacher.pth')
    torch.save({'state_dict': state_dict}, path)
    return path


def _save_state_dict(path, keys) -> str:
    torch.save({'state_dict': {key: torch.zeros(1) for key in keys}}, path)
    return str(path)


def test_test_tool_needs_only_config_and_checkpoint(tmp_path, teacher_ckpt,
                                                    python_runner):
    teacher = tmp_path / 'teacher.pth'
    shutil.copy(teacher_ckpt, teacher)
    work_dir = tmp_path / 'train'
    python_runner([
        'tools/train.py', IRG_CONFIG, '--work-dir',
        str(work_dir), '--cfg-options', *QUICK,
        'train_dataloader.dataset.train_fraction=0.05',
        f'model.teacher_ckpt={teacher}'
    ])
    teacher.unlink()  # only the config and the checkpoint are left
    out = tmp_path / 'metrics.json'
    python_runner([
        'tools/test.py', IRG_CONFIG,
        str(work_dir / 'epoch_2.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(out)
    ])
    metrics = json.loads(out.read_text())
    validated = [r for r in load_scalars(work_dir) if 'accuracy/top1' in r][-1]
    assert metrics['accuracy/top1'] == pytest.approx(
        validated['accuracy/top1'])
    # The trained teacher, not a random one (about 10 %).
    assert validated['teacher.accuracy/top1'] > 80
    assert metrics['teacher.accuracy/top1'] == pytest.approx(
        validated['teacher.accuracy/top1'])


def test_teacher_comes_from_the_checkpoint(tmp_path):
    checkpoint = _save_state_dict(
        tmp_path / 'distill.pth',
        ['architecture.head.fc.bias', 'teacher.head.fc.bias'])
    cfg = prepare_distill_test(_config(IRG_CONFIG, checkpoint))
    assert cfg.model.teacher_ckpt is None
    assert cfg.test_cfg.type == 'SingleTeacherDistillTestLoop'


def test_a_custom_test_loop_is_kept(tmp_path):
    checkpoint = _save_state_dict(
        tmp_path / 'distill.pth',
        ['architecture.head.fc.bias', 'teacher.head.fc.bias'])
    cfg = _config(IRG_CONFIG, checkpoint)
    cfg.test_cfg = dict(type='MyTestLoop')
    assert prepare_distill_test(cfg).test_cfg.type == 'MyTestLoop'


def test_checkpoint_without_teacher_needs_the_teacher_file(tmp_path):
    checkpoint = _save_state_dict(tmp_path / 'student_only.pth',
                                  ['architecture.head.fc.bias'])
    cfg = _config(IRG_CONFIG, checkpoint)
    cfg.model.teacher_ckpt = str(tmp_path / 'gone.pth')
    with pytest.raises(
            DistillConfigError,
            match=r"^model\.teacher_ckpt: .*student_only\.pth holds no "
            r"teacher weights .*--cfg-options model\.teacher_ckpt=PATH$"):
        prepare_distill_test(cfg)
    # With the teacher file there, the teacher is read from it.
    cfg.model.teacher_ckpt = _save_state_dict(tmp_path / 'teacher.pth',
                                              ['head.fc.bias'])
    assert prepare_distill_test(cfg).model.teacher_ckpt == str(tmp_path /
                                                               'teacher.pth')


def test_student_checkpoint_with_a_distillation_config(tmp_path):
    converted = _save_state_dict(tmp_path / 'student.pth', ['head.fc.bias'])
    with pytest.raises(
            DistillConfigError,
            match="holds no distiller weights .*student's own config"):
        prepare_distill_test(_config(IRG_CONFIG, converted))


def test_plain_classifier_config_is_unchanged(tmp_path):
    checkpoint = _save_state_dict(tmp_path / 'student.pth', ['head.fc.bias'])
    cfg = _config(STUDENT_CONFIG, checkpoint)
    before = cfg.to_dict()
    assert prepare_distill_test(cfg).to_dict() == before
