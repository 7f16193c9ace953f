# Copyright (c) irg_mm contributors. All rights reserved.
"""One training run per work dir."""
import os
import socket
import subprocess
import sys

import pytest
from conftest import REPO_ROOT

from irg_mm.launch.work_dir_lock import WorkDirBusyError, lock_work_dir

HOLD = ('import sys, time; from irg_mm.launch.work_dir_lock import '
        'lock_work_dir; lock = lock_work_dir(sys.argv[1]); print("held", '
        'flush=True); time.sleep(60)')


def _holder(work_dir: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, '-c', HOLD, work_dir],
                               cwd=REPO_ROOT,
                               env=dict(os.environ, PYTHONPATH=REPO_ROOT),
                               stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == 'held'
    return process


def test_a_second_run_is_refused_naming_the_first(tmp_path):
    holder = _holder(str(tmp_path))
    try:
        with pytest.raises(WorkDirBusyError) as error:
            lock_work_dir(str(tmp_path))
        message = str(error.value)
        assert f'PID {holder.pid} on host {socket.gethostname()}' in message
        assert '--work-dir' in message
    finally:
        holder.kill()
        holder.wait()
    # A killed holder leaves no stale lock behind.
    lock = lock_work_dir(str(tmp_path))
    assert f'PID {os.getpid()}' in open(tmp_path / '.irg_mm_train.lock').read()
    lock.close()


def test_other_ranks_of_a_run_do_not_lock(tmp_path, monkeypatch):
    holder = _holder(str(tmp_path))
    try:
        monkeypatch.setenv('RANK', '1')
        assert lock_work_dir(str(tmp_path)) is None
    finally:
        holder.kill()
        holder.wait()


def test_train_stops_before_training_in_a_busy_work_dir(
        tmp_path, python_runner):
    holder = _holder(str(tmp_path))
    try:
        result = python_runner([
            'tools/train.py', 'configs/digits/resnet8-w8_digits.py',
            '--work-dir',
            str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=2'
        ],
                               check=False)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f'error: work dir {tmp_path} is in use')
    assert f'PID {holder.pid}' in last_line
    assert not list(tmp_path.glob('*.pth'))
    assert not [d for d in os.listdir(tmp_path) if d[:8].isdigit()]
