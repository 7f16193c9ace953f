# Copyright (c) irg_mm contributors. All rights reserved.
"""IRG's three losses beside MMRazor's KLDivergence, trained by a Runner."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import REPO_ROOT

CONFIG = 'configs/digits/mtk-kd-expanded_resnet8-w8_resnet20_digits.py'
LOSSES = ('distill.loss_irg_vertex', 'distill.loss_irg_edge',
          'distill.loss_irg_transform', 'distill.loss_kd')


class TeacherSnapshotHook(Hook):
    """Copies both networks' parameters once they are initialised."""

    def before_train(self, runner) -> None:
        self.teacher, self.student = ({
            name: param.detach().clone()
            for name, param in net.named_parameters()
        } for net in (runner.model.teacher, runner.model.student))


def test_all_irg_losses_and_kd_train_in_one_distiller(tmp_path):
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    cfg.work_dir = str(tmp_path)
    cfg.model.teacher_ckpt = None
    cfg.train_dataloader.dataset.train_fraction = 0.1
    cfg.train_dataloader.batch_size = 16
    cfg.train_cfg = dict(by_epoch=False, max_iters=4, val_interval=1000)
    cfg.param_scheduler = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    snapshot = TeacherSnapshotHook()
    runner.register_hook(snapshot)
    runner.train()

    model = runner.model
    assert isinstance(model.distiller.distill_losses['loss_irg_edge'],
                      torch.nn.Module)
    for name, param in model.teacher.named_parameters():
        assert not param.requires_grad
        assert param.grad is None
        assert torch.equal(param, snapshot.teacher[name]), name
    assert any(not torch.equal(param, snapshot.student[name])
               for name, param in model.student.named_parameters())
    logged = runner.message_hub.log_scalars
    for loss in LOSSES:
        values = logged[f'train/{loss}'].data[0]
        assert len(values) == 4 and torch.isfinite(
            torch.as_tensor(values)).all(), loss
