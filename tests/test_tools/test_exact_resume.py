# Copyright (c) irg_mm contributors. All rights reserved.
"""A run killed mid-epoch and resumed ends with the same weights as one
that was never interrupted.

What makes it exact (see docs/distributed.md, "Resume"): mmengine's
``IterBasedTrainLoop`` replays the dataloader up to the checkpoint's
iteration on resume, so the sampler order and the random augmentations
(drawn from the global NumPy RNG) continue where they stopped; the
parameter schedulers and the optimizer state are in the checkpoint.
mmengine's ``EpochBasedTrainLoop`` restarts the interrupted epoch instead.
"""
import os
import os.path as osp
import signal
import subprocess
import sys
import time
from typing import List

import torch

from conftest import REPO_ROOT

IRG_CONFIG = osp.join(REPO_ROOT,
                      'configs/digits/irg_resnet8-w8_resnet20_digits.py')
# 251 training images at 64 a batch: 4 iterations an epoch, so iterations
# 3, 6 and 9 (every checkpoint but the last) end mid-epoch.
MAX_ITERS = 12
ITERS_PER_EPOCH = 4
CHECKPOINT_INTERVAL = 3
EXACT_RESUME_CONFIG = f"""
_base_ = {IRG_CONFIG!r}
model = dict(teacher_ckpt=None)
preflight = dict(allow_random_teacher=True)
train_dataloader = dict(dataset=dict(train_fraction=0.2))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters={MAX_ITERS})
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=4),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=4,
         end={MAX_ITERS}),
]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(by_epoch=False, interval={CHECKPOINT_INTERVAL},
                    max_keep_ckpts=-1, save_last=True))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0, deterministic=True)
"""


def _train_args(config: str, work_dir: str, *extra: str) -> List[str]:
    return [
        'tools/train.py', config, '--no-validate', '--work-dir', work_dir,
        *extra
    ]


def _last_checkpoint(work_dir: str) -> str:
    """What mmengine's auto-resume will load; it names a checkpoint only
    once that checkpoint is completely written."""
    try:
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ''


def _kill_after_first_checkpoint(args: List[str], work_dir: str) -> None:
    """Start training and SIGKILL it once a mid-run checkpoint exists."""
    process = subprocess.Popen([sys.executable, *args],
                               cwd=REPO_ROOT,
                               env=dict(
                                   os.environ,
                                   PYTHONPATH=REPO_ROOT,
                                   OMP_NUM_THREADS='1'),
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not _last_checkpoint(work_dir).endswith('.pth'):
        assert process.poll() is None, 'training ended before a checkpoint'
        assert time.time() < deadline, 'no checkpoint after 120 s'
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


def _final_state(work_dir: str) -> dict:
    checkpoint = torch.load(
        osp.join(work_dir, f'iter_{MAX_ITERS}.pth'), weights_only=False)
    momenta = {
        index: state['momentum_buffer']
        for index, state in checkpoint['optimizer']['state'].items()
    }
    return dict(
        checkpoint['state_dict'], **{
            f'momentum.{index}': buffer
            for index, buffer in momenta.items()
        })


def test_killed_mid_epoch_resumes_exactly(tmp_path, python_runner):
    config = tmp_path / 'exact_resume.py'
    config.write_text(EXACT_RESUME_CONFIG)
    uninterrupted, interrupted = tmp_path / 'whole', tmp_path / 'killed'
    python_runner(_train_args(str(config), str(uninterrupted)))

    _kill_after_first_checkpoint(
        _train_args(str(config), str(interrupted)), str(interrupted))
    assert not osp.isfile(interrupted / f'iter_{MAX_ITERS}.pth')
    resumed = python_runner(
        _train_args(str(config), str(interrupted), '--resume'))
    log = resumed.stdout + resumed.stderr
    resumed_iter = int(
        log.split('resumed epoch: ')[1].split('iter: ')[1].split()[0].rstrip(
            ','))
    assert 0 < resumed_iter < MAX_ITERS
    assert resumed_iter % ITERS_PER_EPOCH != 0, 'not a mid-epoch resume'
    assert f'Advance dataloader {resumed_iter} steps' in log

    expected = _final_state(str(uninterrupted))
    actual = _final_state(str(interrupted))
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(actual[key], value), key
