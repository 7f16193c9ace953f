# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/train.py, tools/dist_train.sh and tools/test.py, end to end on CPU."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO_ROOT, run_command
from gloo_ranks import free_port

from irg_mm.utils import load_scalars

KD_CONFIG = 'configs/digits/kd_resnet8-w8_resnet20_digits.py'
# A small, quick version of the digits job: 2 epochs on 20% of the data.
QUICK = [
    'train_dataloader.dataset.train_fraction=0.2', 'train_cfg.max_epochs=2',
    'train_cfg.val_interval=1', 'default_hooks.checkpoint.interval=1',
    'default_hooks.checkpoint.max_keep_ckpts=3',
    'default_hooks.logger.interval=2', 'randomness.seed=0'
]


def _train_args(work_dir, teacher_ckpt, *extra):
    return [
        'tools/train.py', KD_CONFIG, '--work-dir',
        str(work_dir), '--cfg-options', *QUICK,
        f'model.teacher_ckpt={teacher_ckpt}', *extra
    ]


def test_train_on_cpu_to_the_end(tmp_path, teacher_ckpt, python_runner):
    python_runner(_train_args(tmp_path, teacher_ckpt))
    assert osp.isfile(tmp_path / 'epoch_2.pth')
    records = load_scalars(tmp_path)
    assert any('distill.loss_kd' in r for r in records)
    final = [r for r in records if 'accuracy/top1' in r][-1]
    assert 'teacher.accuracy/top1' in final
    # The test tool evaluates the distiller checkpoint's student.
    out = tmp_path / 'metrics.json'
    python_runner([
        'tools/test.py', KD_CONFIG,
        str(tmp_path / 'epoch_2.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(out), '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}'
    ])
    metrics = json.loads(out.read_text())
    assert metrics['accuracy/top1'] == pytest.approx(final['accuracy/top1'])


def test_killed_run_resumes_from_last_checkpoint(tmp_path, teacher_ckpt):
    args = _train_args(tmp_path, teacher_ckpt, 'train_cfg.max_epochs=3')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    first = subprocess.Popen([sys.executable, *args],
                             cwd=REPO_ROOT,
                             env=env,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    # mmengine names a checkpoint in last_checkpoint once it is complete.
    while not osp.isfile(tmp_path / 'last_checkpoint'):
        assert first.poll() is None, 'training ended before epoch 1'
        assert time.time() < deadline, 'no checkpoint after 300 s'
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert not osp.isfile(tmp_path / 'epoch_3.pth')

    resumed = subprocess.run([sys.executable, *args, '--resume'],
                             cwd=REPO_ROOT,
                             env=env,
                             capture_output=True,
                             text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert 'resumed epoch: 1' in resumed.stdout + resumed.stderr
    assert osp.isfile(tmp_path / 'epoch_3.pth')


def _run_dist_tool(*args: str) -> str:
    """Run a tools/dist_*.sh script on two CPU processes; return its log."""
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        OMP_NUM_THREADS='1',
        PORT=str(free_port()))
    return run_command(['bash', *args], env)


def test_dist_train_and_test_two_cpu_processes(tmp_path, teacher_ckpt):
    log = _run_dist_tool('tools/dist_train.sh', KD_CONFIG, '2', '--work-dir',
                         str(tmp_path), '--cfg-options', *QUICK,
                         f'model.teacher_ckpt={teacher_ckpt}')
    assert 'Distributed training: True' in log
    assert "dist_cfg: {'backend': 'gloo'}" in log
    # 251 training images at 64 per batch: 4 iterations alone, 2 per rank.
    assert 'Epoch(train) [2][2/2]' in log
    # Rank 0 writes the checkpoint with both ranks' random state in it.
    checkpoint = torch.load(tmp_path / 'epoch_2.pth', weights_only=False)
    assert len(checkpoint['random_state']) == 2

    out = tmp_path / 'metrics.json'
    log = _run_dist_tool('tools/dist_test.sh', KD_CONFIG,
                         str(tmp_path / 'epoch_2.pth'), '2', '--work-dir',
                         str(tmp_path / 'test'), '--out', str(out),
                         '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}')
    final = [r for r in load_scalars(tmp_path) if 'accuracy/top1' in r][-1]
    # The two ranks' halves of the val set are gathered before scoring. The
    # 2-epoch student is near chance, with near-ties among its logits that
    # another process's float rounding can flip: one of the 540 images may.
    one_image = 100 / 540
    assert json.loads(out.read_text())['accuracy/top1'] == pytest.approx(
        final['accuracy/top1'], abs=one_image + 1e-4)


def test_auto_resume_takes_a_checkpoint_saved_just_before_a_kill(tmp_path):
    from mmengine.config import Config

    from irg_mm.preflight.checkpoint_check import resolve_auto_resume
    older, newer = tmp_path / 'epoch_1.pth', tmp_path / 'epoch_2.pth'
    torch.save({}, older)
    (tmp_path / 'last_checkpoint').write_text(str(older))
    time.sleep(0.05)
    torch.save({}, newer)  # killed before last_checkpoint was updated
    cfg = Config(dict(resume=True, load_from=None, work_dir=str(tmp_path)))
    resolve_auto_resume(cfg)
    assert cfg.load_from == str(newer)
    (tmp_path / 'last_checkpoint').write_text(str(newer))
    cfg = Config(dict(resume=True, load_from=None, work_dir=str(tmp_path)))
    resolve_auto_resume(cfg)
    assert cfg.load_from is None
