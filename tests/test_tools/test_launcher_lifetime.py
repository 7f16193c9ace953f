# Copyright (c) irg_mm contributors. All rights reserved.
"""A killed launch takes its training workers with it."""
import os
import signal
import subprocess
import time
from typing import List

from conftest import REPO_ROOT


def _processes_naming(text: str) -> List[int]:
    """PIDs whose command line contains ``text``."""
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                if text.encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            continue
    return pids


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_sigkill_on_dist_train_ends_every_worker(tmp_path):
    work_dir = str(tmp_path / 'work')
    launch = subprocess.Popen([
        'bash', 'tools/dist_train.sh', 'configs/digits/resnet8-w8_digits.py',
        '2', '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_epochs=500'
    ],
                              cwd=REPO_ROOT,
                              env=dict(
                                  os.environ,
                                  OMP_NUM_THREADS='1',
                                  PORT='29731'),
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        # Both workers run tools/train.py with the work dir on their
        # command line once torchrun has started them.
        assert _wait_for(
            lambda: len([
                pid for pid in _processes_naming(work_dir) if pid != launch.pid
            ]) >= 2, 120), 'the workers never started'
        assert _wait_for(
            lambda: any(
                name.endswith('.log') for _, _, names in os.walk(work_dir)
                for name in names), 120), 'the workers never logged'
        launch.send_signal(signal.SIGKILL)
        launch.wait()
        assert _wait_for(lambda: not _processes_naming(work_dir),
                         15), (f'still running after the launcher was killed: '
                               f'{_processes_naming(work_dir)}')
    finally:
        for pid in _processes_naming(work_dir):
            os.kill(pid, signal.SIGKILL)
