# Copyright (c) irg_mm contributors. All rights reserved.
"""What the GPU check runs on: the GPU, the versions, the commit."""
import os
import platform
import socket
import subprocess
import sys
from typing import List, Optional, Sequence

import mmcv
import mmengine
import mmpretrain
import mmrazor
import torch


def command_output(command: Sequence[str], cwd: Optional[str] = None) -> str:
    """A short command's stdout.

    Args:
        command (Sequence[str]): The command, e.g. ``['nvidia-smi']``.
        cwd (str, optional): Where to run it. Defaults to None (here).

    Returns:
        str: Its stdout, stripped; '' where it cannot run.

    Examples:
        >>> command_output(['echo', 'hi'])
        'hi'
        >>> command_output(['no-such-command-here'])
        ''
    """
    try:
        return subprocess.run(
            command, cwd=cwd, capture_output=True, text=True,
            timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ''


def machine_rows() -> List[str]:
    """The machine, as rows of a two-column markdown table.

    Returns:
        List[str]: GPU (with its driver), torch (CUDA, cuDNN), Python,
        OpenMMLab packages and CPU rows.
    """
    props = torch.cuda.get_device_properties(0)
    driver = command_output(
        ['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'])
    packages = ', '.join(f'{package.__name__} {package.__version__}'
                         for package in (mmengine, mmcv, mmpretrain, mmrazor))
    return [
        f'| GPU | {props.name}, {props.total_memory / 2**30:.0f} GiB, '
        f'compute capability {props.major}.{props.minor}, driver '
        f'{driver.splitlines()[0] if driver else "unknown"} |',
        f'| torch | {torch.__version__} (CUDA {torch.version.cuda}, cuDNN '
        f'{torch.backends.cudnn.version()}) |',
        f'| Python | {platform.python_version()} ({sys.executable}) |',
        f'| OpenMMLab | {packages} |',
        f'| CPU | {os.cpu_count()} cores, {platform.machine()} |',
    ]


def git_commit(repo_root: str) -> str:
    """The checked-out commit, and whether the tree has local changes.

    Args:
        repo_root (str): The checkout.

    Returns:
        str: E.g. ``'52cc41e with local changes'``; ``'unknown'`` outside
        a git checkout.
    """
    head = command_output(['git', 'rev-parse', '--short', 'HEAD'], repo_root)
    dirty = command_output(['git', 'status', '--porcelain'], repo_root)
    return (head or 'unknown') + (' with local changes' if dirty else '')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now.

    Returns:
        int: The port, for a process group's rendezvous.
    """
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def first_visible_gpu() -> str:
    """The check's one GPU: the first of ``CUDA_VISIBLE_DEVICES``.

    Returns:
        str: Its index or UUID as ``CUDA_VISIBLE_DEVICES`` names it; ``'0'``
        where the variable is unset or empty.

    Examples:
        With ``CUDA_VISIBLE_DEVICES=3,5`` it is ``'3'``; unset, ``'0'``.
    """
    visible = os.environ.get('CUDA_VISIBLE_DEVICES', '').split(',')[0]
    return visible.strip() or '0'
