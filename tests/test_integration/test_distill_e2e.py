# Copyright (c) irg_mm contributors. All rights reserved.
"""IRG's three losses beside MMRazor's KLDivergence, trained by a Runner."""
import os.path as osp

import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

CONFIG = 'configs/digits/mtk-kd-expanded_resnet8-w8_resnet20_digits.py'
LOSSES = ('distill.loss_irg_vertex', 'distill.loss_irg_edge',
          'distill.loss_irg_transform', 'distill.loss_kd')


class TeacherSnapshotHook(Hook):
    """Copies both networks' weights and buffers (BatchNorm statistics)
    once they are initialised."""

    def before_train(self, runner) -> None:
        self.teacher, self.student = ({
            name: value.detach().clone()
            for name, value in net.state_dict().items()
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
    # The teacher is frozen, its BatchNorm statistics included.
    for param in model.teacher.parameters():
        assert not param.requires_grad
        assert param.grad is None
    for name, value in model.teacher.state_dict().items():
        assert torch.equal(value, snapshot.teacher[name]), name
    # The student trained: weights and BatchNorm statistics moved.
    student = model.student.state_dict()
    for kind in ('weight', 'running_mean'):
        assert any(not torch.equal(value, snapshot.student[name])
                   for name, value in student.items()
                   if name.endswith(kind)), kind
    logged = runner.message_hub.log_scalars

    def history(key: str) -> torch.Tensor:
        return torch.as_tensor(logged[f'train/{key}'].data[0])

    # Each loss is logged every iteration, finite and not a constant zero,
    # and the optimised total is the student's loss plus all four.
    for loss in LOSSES:
        values = history(loss)
        assert len(values) == 4 and torch.isfinite(values).all(), loss
        assert (values > 0).all(), loss
    total = history('student.loss') + sum(history(loss) for loss in LOSSES)
    torch.testing.assert_close(history('loss'), total, rtol=1e-5, atol=1e-6)
