# Copyright (c) irg_mm contributors. All rights reserved.
"""One training run per work dir at a time."""
import fcntl
import os
import os.path as osp
import socket
from typing import IO, Optional

from irg_mm.errors import WorkDirBusyError

LOCK_NAME = '.irg_mm_train.lock'


def lock_work_dir(work_dir: str, name: str = LOCK_NAME) -> Optional[IO]:
    """Hold the work dir for this run until the process ends.

    Two runs writing checkpoints into one work dir (a resumed run beside a
    forgotten one, two jobs given the same ``--work-dir``) corrupt each
    other's ``last_checkpoint`` and logs. The first run's rank 0 takes an
    exclusive ``flock`` on ``work_dir/.irg_mm_train.lock`` and writes its
    PID and host there; the kernel drops the lock when that process ends,
    however it ends, so a killed run never leaves a stale lock. Other ranks
    of the same run (``RANK`` > 0) do not lock.

    Note:
        ``flock`` is reliable on local disks; on some network file systems
        it only sees locks taken on the same host.

    Args:
        work_dir (str): The run's work dir, created if needed.
        name (str): The lock file's name: another name holds the work dir
            for another kind of user (the grid runner holds a run's work
            dir around its training and test tools). Defaults to
            :data:`LOCK_NAME`.

    Returns:
        IO, optional: The open lock file (keep it referenced for the run's
        lifetime), or None on ranks other than 0.

    Raises:
        WorkDirBusyError: Another process holds the work dir; the message
            names its PID and host.
    """
    if int(os.environ.get('RANK', '0')) != 0:
        return None
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, name)
    lock = open(path, 'a+', encoding='utf-8')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or 'an unknown process'
        lock.close()
        raise WorkDirBusyError(
            f'work dir {work_dir} is in use by another training run '
            f'({holder}); stop that run first, or give this one another '
            '--work-dir') from None
    lock.seek(0)
    lock.truncate()
    lock.write(f'PID {os.getpid()} on host {socket.gethostname()}\n')
    lock.flush()
    return lock
