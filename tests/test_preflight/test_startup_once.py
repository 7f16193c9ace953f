# Copyright (c) irg_mm contributors. All rights reserved.
"""``tools/train.py`` walks its start-up once.

On the digits IRG config, from the command line to the first iteration:
each checkpoint file is fully read once (the checks map it, see
``safe_torch_load(mmap=True)``), each network is built once, and the compact
IRG form is expanded once. Counted by wrapping the functions that do each.
"""
import collections
import os.path as osp
import runpy
import sys

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmpretrain.models import ImageClassifier
from mmrazor.registry import MODELS

from irg_mm.models.backbones import HeResNetCIFAR
from irg_mm.models.distillers import irg_expansion

TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
IRG = osp.join(REPO_ROOT, 'configs/digits/irg_resnet8-w8_resnet20_digits.py')
# One iteration of 8 images, saved; no validation.
TINY_RUN = """_base_ = [{base!r}]
model = dict(teacher_ckpt={teacher!r})
train_dataloader = dict(batch_size=8, dataset=dict(train_fraction=0.05))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=1)
param_scheduler = []
val_cfg = None
val_dataloader = None
val_evaluator = None
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1))
log_processor = dict(by_epoch=False)
"""


class StartUpCounts:
    """What a run did: full reads per file, network and expansion builds."""

    def __init__(self, monkeypatch) -> None:
        self.full_reads = collections.Counter()
        self.mapped_reads = collections.Counter()
        self.backbones = collections.Counter()
        self.classifiers = 0
        self.expansions = 0
        self._wrap_torch_load(monkeypatch)
        self._wrap_builds(monkeypatch)

    def _wrap_torch_load(self, monkeypatch) -> None:
        load = torch.load

        def counted_load(f, *args, mmap=None, **kwargs):
            if isinstance(f, str):
                reads = self.mapped_reads if mmap else self.full_reads
                reads[osp.realpath(f)] += 1
            return load(f, *args, mmap=mmap, **kwargs)

        monkeypatch.setattr(torch, 'load', counted_load)

    def _wrap_builds(self, monkeypatch) -> None:
        backbone_init = HeResNetCIFAR.__init__
        classifier_init = ImageClassifier.__init__
        counts = self

        def counted_backbone(self, depth, *args, **kwargs):
            counts.backbones[(depth, repr(args), repr(kwargs))] += 1
            backbone_init(self, depth, *args, **kwargs)

        def counted_classifier(self, *args, **kwargs):
            counts.classifiers += 1
            classifier_init(self, *args, **kwargs)

        class CountedExpansion(irg_expansion._Expansion):

            def __init__(self, *args, **kwargs):
                counts.expansions += 1
                super().__init__(*args, **kwargs)

        monkeypatch.setattr(HeResNetCIFAR, '__init__', counted_backbone)
        monkeypatch.setattr(ImageClassifier, '__init__', counted_classifier)
        monkeypatch.setattr(irg_expansion, '_Expansion', CountedExpansion)


@pytest.fixture
def tiny_run(tmp_path) -> dict:
    """A user config of one training iteration with a teacher file."""
    teacher = MODELS.build(Config.fromfile(IRG).model.teacher)
    teacher_path = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, teacher_path)
    config = tmp_path / 'tiny_irg.py'
    config.write_text(TINY_RUN.format(base=IRG, teacher=teacher_path))
    return dict(
        config=str(config),
        teacher=osp.realpath(teacher_path),
        work_dir=str(tmp_path / 'run'))


def _train(monkeypatch, *args: str) -> StartUpCounts:
    counts = StartUpCounts(monkeypatch)
    monkeypatch.setattr(sys, 'argv', [TRAIN, *args])
    runpy.run_path(TRAIN, run_name='__main__')
    monkeypatch.undo()
    return counts


def test_each_start_up_step_runs_once(tiny_run, monkeypatch):
    counts = _train(monkeypatch, tiny_run['config'], '--work-dir',
                    tiny_run['work_dir'])
    assert osp.isfile(osp.join(tiny_run['work_dir'], 'iter_1.pth'))
    assert counts.full_reads == {tiny_run['teacher']: 1}
    # The pre-flight looked at the teacher file without reading it.
    assert counts.mapped_reads[tiny_run['teacher']] >= 1
    assert counts.classifiers == 2
    # ResNet-8 (student) and ResNet-20 (teacher), each built once.
    assert sorted(depth for depth, *_ in counts.backbones) == [8, 20]
    assert set(counts.backbones.values()) == {1}
    assert counts.expansions == 1


def test_a_resumed_run_reads_its_checkpoint_once(tiny_run, monkeypatch):
    _train(monkeypatch, tiny_run['config'], '--work-dir', tiny_run['work_dir'])
    resumed = osp.realpath(osp.join(tiny_run['work_dir'], 'iter_1.pth'))
    counts = _train(monkeypatch, tiny_run['config'], '--work-dir',
                    tiny_run['work_dir'], '--resume', '--cfg-options',
                    'train_cfg.max_iters=2')
    assert osp.isfile(osp.join(tiny_run['work_dir'], 'iter_2.pth'))
    assert counts.full_reads == {tiny_run['teacher']: 1, resumed: 1}
    assert counts.mapped_reads[resumed] >= 1
    assert counts.classifiers == 2 and counts.expansions == 1
