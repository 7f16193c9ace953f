# Copyright (c) irg_mm contributors. All rights reserved.
"""Processes that end when the process that started them ends, and that
leave their process group before the interpreter shuts down."""
import atexit
import ctypes
import gc
import os
import signal
import sys

import torch.distributed as dist

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


def leave_process_group_at_exit() -> None:
    """Destroy the default process group at exit, before Python finalizes.

    Call it at the end of a tool's ``main()``, after the run succeeded. A
    gloo worker thread destroys each finished collective's tensors, which
    takes the GIL; when the main thread has begun finalizing by then, the
    thread is torn down inside a C++ destructor and the rank aborts with
    ``terminate called without an active exception`` (SIGABRT) after its
    work is done. Destroying the group while the interpreter is still whole
    joins those threads first. It runs at exit, once ``main()`` has
    returned, so that the Runner and its DDP wrapper (which hold the group)
    can be collected. Not after a failure: there a peer may still wait in a
    collective, and the join would wait with it.

    Examples:
        >>> # the last line of a tool's main(), after runner.train()
        >>> leave_process_group_at_exit()
    """
    atexit.register(_leave_process_group)


def _leave_process_group() -> None:
    """Free the Runner's reference cycles, then destroy the group."""
    if dist.is_available() and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()
