# Copyright (c) irg_mm contributors. All rights reserved.
"""MMRazor 1.0.0's own classification configs, unchanged, on this stack.

MMRazor ships them inside its wheel (``mmrazor::distill/mmcls/...`` and the
``mmrazor::vanilla/mmcls/...`` ones they inherit); all of them name mmcls,
which irg_mm reads as mmpretrain. Each config loads; each model builds
(student and teacher without their weights: ``pretrained`` off, teacher
checkpoints replaced by a random teacher saved locally), every data pipeline
builds, and irg_mm's pre-flight accepts it. No socket may connect meanwhile.
Every distillation config then runs one
``train_step`` and one ``val_step`` on a generated batch at its own input
size (224 or 32 pixels): finite losses, a changed student, an unchanged
frozen teacher; the data-free ones inside their own DDP wrapper on a
1-process gloo group. The KD-logits config trains two iterations through
``tools/train.py`` on a tiny ImageNet-style folder, at 32 pixels instead of
224 (CPU time).
"""
import os.path as osp
import socket
from typing import Iterator, List

import pytest
import torch
from mmengine.dataset import Compose
from mmengine.hub import get_config, get_model
from mmengine.registry import MODELS, init_default_scope
from mmrazor.models.algorithms import SingleTeacherDistill
from tiny_data import make_imagenet

from irg_mm.compat.packaged_configs import packaged_config_names
from irg_mm.preflight.config_check import check_distill_config
from irg_mm.utils import load_scalars

CONFIGS = [
    name for name in packaged_config_names('mmrazor')
    if name.startswith(('distill/mmcls/', 'vanilla/mmcls/'))
    # Dataset files are bases of the configs beside them.
    and '/datasets/' not in name
]
NOT_HERE = {
    'distill/mmcls/deit/deit-base_regnety160_pt-16xb64_in1k.py':
    "its teacher is timm's RegNetY-160 (TIMMBackbone; timm is not installed "
    'and its pretrained=True downloads) and its student head, MMRazor\'s '
    'DeiTClsHead, subclasses an mmcls placeholder',
}
# Data-free algorithms train a generator beside the student, and reach it
# through their distributed wrapper (model_wrapper_cfg).
DATA_FREE = ('dafl', 'dfad', 'zskt')


def _family(config: str) -> str:
    return config.split('/')[2] if config.startswith('distill/') else ''


def _trainable(config: str) -> bool:
    return (config not in NOT_HERE and _family(config) != ''
            and _family(config) not in DATA_FREE)


KD_CONFIG = ('mmrazor::distill/mmcls/kd/'
             'kd_logits_resnet34_resnet18_8xb32_in1k.py')
SIDE = 32


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any connection: every weight here must come from local files."""

    def refuse(*args, **kwargs):
        raise AssertionError(f'a test tried to connect to {args[1:]}')

    monkeypatch.setattr(socket.socket, 'connect', refuse)


def _without_weights(cfg: object) -> None:
    """Switch off every download of weights a model config asks for."""
    if isinstance(cfg, dict):
        if 'cfg_path' in cfg:
            cfg['pretrained'] = False
        for key in ('ckpt_path', 'teacher_ckpt'):
            cfg.pop(key, None)
        for value in cfg.values():
            _without_weights(value)
    elif isinstance(cfg, list):
        for value in cfg:
            _without_weights(value)


def _pipelines(cfg: object) -> Iterator[List[dict]]:
    """Every ``pipeline`` in a (possibly wrapped) dataset config."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == 'pipeline':
                yield value
            else:
                yield from _pipelines(value)


def test_every_config_is_run_or_listed_with_its_reason():
    assert len(CONFIGS) >= 20, CONFIGS
    assert set(NOT_HERE) <= set(CONFIGS)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_loads(config):
    cfg = get_config(f'mmrazor::{config}')
    # mmcls' bases are mmpretrain's: its runtime, datasets and schedules.
    assert cfg.default_scope == 'mmpretrain'
    assert 'model' in cfg and 'train_dataloader' in cfg


def _build_and_preflight(config: str, tmp_path):
    """The config's model (no weights) and data pipelines built, and
    irg_mm's pre-flight passed with a local teacher checkpoint."""
    cfg = get_config(f'mmrazor::{config}')
    init_default_scope(cfg.default_scope)
    _without_weights(cfg.model)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    for loader in ('train_dataloader', 'val_dataloader'):
        for pipeline in _pipelines(cfg[loader]):
            Compose(pipeline)
    if isinstance(model, SingleTeacherDistill):
        # The pre-flight also checks that the teacher checkpoint fits.
        teacher_ckpt = str(tmp_path / 'teacher.pth')
        torch.save({'state_dict': model.teacher.state_dict()}, teacher_ckpt)
        cfg.model.teacher_ckpt = teacher_ckpt
        assert model.student is not model.teacher
    check_distill_config(cfg)
    return cfg, model


@pytest.mark.parametrize('config', [
    config for config in CONFIGS if config not in NOT_HERE
    and not _trainable(config) and _family(config) not in DATA_FREE
])
def test_model_and_pipelines_build_and_pass_preflight(config, tmp_path):
    _build_and_preflight(config, tmp_path)


def test_kd_logits_config_trains_through_train_tool(tmp_path, python_runner):
    teacher = get_model('mmcls::resnet/resnet34_8xb32_in1k.py')
    teacher_ckpt = str(tmp_path / 'resnet34.pth')
    torch.save({'state_dict': teacher.state_dict()}, teacher_ckpt)
    data_root = make_imagenet(str(tmp_path / 'imagenet'), num_images=4)
    work_dir = tmp_path / 'work'
    options = [
        f'model.teacher_ckpt={teacher_ckpt}',
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        # 4 images, 2 per batch, 1 epoch: two iterations.
        'train_dataloader.batch_size=2',
        'val_dataloader.batch_size=2',
        'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0',
        'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1',
        # RandomResizedCrop, ResizeEdge and CenterCrop at 32 pixels.
        f'train_dataloader.dataset.pipeline.1.scale={SIDE}',
        f'val_dataloader.dataset.pipeline.1.scale={SIDE}',
        f'val_dataloader.dataset.pipeline.2.crop_size={SIDE}'
    ]
    result = python_runner([
        'tools/train.py', KD_CONFIG, '--work-dir',
        str(work_dir), '--cfg-options', *options
    ])
    log = result.stdout + result.stderr
    assert log.count('resolve to mmpretrain') == 1
    records = load_scalars(str(work_dir))
    losses = [r['distill.loss_kl'] for r in records if 'distill.loss_kl' in r]
    assert len(losses) == 2 and all(map(torch.isfinite, torch.tensor(losses)))
    assert 'teacher.accuracy/top1' in records[-1]
    assert osp.isfile(work_dir / 'epoch_1.pth')


def _labelled_batch(cfg, side: int, size: int = 2) -> dict:
    """``size`` random uint8 images of the config's side with labels, as
    its dataloader hands them to ``train_step``."""
    from mmpretrain.structures import DataSample
    num_classes = 100 if 'cifar100' in str(
        cfg.train_dataloader) else (10 if side == 32 else 1000)
    generator = torch.Generator().manual_seed(0)
    samples = [
        DataSample().set_gt_label(index % num_classes) for index in range(size)
    ]
    for index, sample in enumerate(samples):
        # CRD's loss reads each sample's index in the data set (its
        # CRDDataset wrapper packs it; negatives are drawn without one).
        sample.set_field(torch.tensor(index), 'sample_idx')
    return dict(
        inputs=[
            torch.randint(
                0,
                256, (3, side, side),
                dtype=torch.uint8,
                generator=generator) for _ in range(size)
        ],
        data_samples=samples)


@pytest.mark.parametrize('config', [c for c in CONFIGS if _trainable(c)])
def test_train_step_changes_the_student_only(config, tmp_path):
    """The config builds and passes the pre-flight, then one train_step
    and one val_step: finite losses, a student that changed and a frozen
    teacher that did not."""
    from mmengine.optim import build_optim_wrapper
    cfg, model = _build_and_preflight(config, tmp_path)
    # No init_weights(): some configs initialise from an earlier stage's
    # checkpoint; the constructors' random weights serve here.
    # As the train loop does: a frozen teacher's norm layers go to eval.
    model.train()
    side = 32 if 'cifar' in config else 224
    batch = _labelled_batch(cfg, side)
    teacher = getattr(model, 'teacher', None)
    before = {
        name: {
            k: v.clone()
            for k, v in module.state_dict().items()
        }
        for name, module in (('student', model.architecture),
                             ('teacher', teacher)) if module is not None
    }
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    log_vars = model.train_step(batch, optim_wrapper)
    assert log_vars and all(
        torch.isfinite(torch.as_tensor(v)).all() for v in log_vars.values())
    changed = {
        name:
        any(not torch.equal(value,
                            module.state_dict()[key])
            for key, value in before[name].items()
            if value.is_floating_point())
        for name, module in (('student', model.architecture),
                             ('teacher', teacher)) if module is not None
    }
    assert changed['student']
    if teacher is not None and not cfg.model.get('teacher_trainable'):
        assert not changed['teacher']
    outputs = model.val_step(batch)
    assert len(outputs) == len(batch['inputs'])


@pytest.fixture
def one_process_group():
    """A 1-process gloo group, for the data-free algorithms' wrapper."""
    import torch.distributed as dist
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=0, world_size=1)
    yield
    dist.destroy_process_group()


@pytest.mark.parametrize('config',
                         [c for c in CONFIGS if _family(c) in DATA_FREE])
def test_data_free_train_step_changes_the_student_only(config, tmp_path,
                                                       one_process_group):
    """DAFL, DFAD and ZSKT as their configs run them: wrapped by their
    model_wrapper_cfg, one train_step trains generator and student."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODEL_WRAPPERS
    cfg, model = _build_and_preflight(config, tmp_path)
    model.train()
    wrapper = MODEL_WRAPPERS.build(dict(cfg.model_wrapper_cfg, module=model))
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {
        name: {
            k: v.clone()
            for k, v in module.state_dict().items()
        }
        for name, module in (('student', model.architecture), ('teachers',
                                                               model.teachers))
    }
    batch = _labelled_batch(cfg, 32)
    log_vars = wrapper.train_step(batch, optim_wrapper)
    assert any(key.startswith('generator.') for key in log_vars)
    assert all(
        torch.isfinite(torch.as_tensor(v)).all() for v in log_vars.values())
    for name, module in (('student', model.architecture), ('teachers',
                                                           model.teachers)):
        changed = any(not torch.equal(value,
                                      module.state_dict()[key])
                      for key, value in before[name].items()
                      if value.is_floating_point())
        assert changed == (name == 'student'), name
    assert len(wrapper.val_step(batch)) == len(batch['inputs'])
