# Copyright (c) irg_mm contributors. All rights reserved.
"""Processes that end when the process that started them ends."""
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
LAUNCHER_VARIABLE = 'TORCHELASTIC_RUN_ID'


def end_with_parent() -> None:
    """Have the kernel send SIGTERM to this process when its parent ends.

    A training worker whose launcher was killed (``kill -9`` on torchrun,
    or on a grid runner) would otherwise go on training, orphaned, and
    writing checkpoints into a work dir that a resumed run then shares.
    Linux only; elsewhere it does nothing.

    Examples:
        >>> # as a subprocess.Popen(..., preexec_fn=end_with_parent)
        >>> end_with_parent()
    """
    if not sys.platform.startswith('linux'):
        return
    parent = os.getppid()
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    # The parent may have ended before the request was made.
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def end_with_launcher() -> None:
    """:func:`end_with_parent` for a process that torchrun started."""
    if LAUNCHER_VARIABLE in os.environ:
        end_with_parent()
