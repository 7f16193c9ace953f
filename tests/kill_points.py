# Copyright (c) irg_mm contributors. All rights reserved.
"""A hook that SIGKILLs its own training process at a chosen moment.

A kill from outside lands wherever the process happens to be; this one
lands exactly at the moment a test names, and is just as abrupt (no
``finally``, no ``atexit``, no flush). Training runs load it through
``custom_imports = dict(imports=['irg_mm', 'kill_points'])`` with this
folder on ``PYTHONPATH``, and add it with
``--custom-hooks "dict(type='SigkillHook', at='train', epoch=2, batch=2)"``.
"""
import builtins
import os
import os.path as osp
import signal
from typing import Any, Callable, Union

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

MOMENTS = ('load', 'train', 'val', 'save')


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class CutShort:
    """A file whose first write stores half of what it is given, flushes it
    to the disk and then calls ``cut``: a write cut short by a kill (``cut``
    SIGKILLs) or a failing disk (``cut`` raises)."""

    def __init__(self, file: Any, cut: Callable[[], None]) -> None:
        self._file, self._cut = file, cut

    def write(self, data: Union[bytes, str]) -> None:
        self._file.write(data[:len(data) // 2])
        self._file.flush()
        os.fsync(self._file.fileno())
        self._cut()

    def __enter__(self) -> 'CutShort':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._file.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def cutting_open(name_part: str, cut: Callable[[], None]) -> Callable:
    """An ``open`` that cuts short (:class:`CutShort`) every file opened for
    writing with ``name_part`` in its name, e.g. ``'.pth'``."""
    plain_open = builtins.open

    def open_cutting_writes(file, mode='r', *args, **kwargs):
        opened = plain_open(file, mode, *args, **kwargs)
        if 'r' not in mode and name_part in osp.basename(str(file)):
            return CutShort(opened, cut)
        return opened

    return open_cutting_writes


@HOOKS.register_module()
class SigkillHook(Hook):
    """SIGKILL this process at one moment of training.

    Args:
        at (str): ``'load'`` (start-up, once ``--resume`` has loaded its
            checkpoint), ``'train'`` (after batch ``batch`` of epoch
            ``epoch``), ``'val'`` (after the first validation batch following
            epoch ``epoch``) or ``'save'`` (halfway through writing the
            checkpoint of epoch ``epoch``).
        epoch (int): The epoch as the log counts it, from 1. Defaults to 1.
        batch (int): The batch of the epoch, from 0. Defaults to 0.
    """

    def __init__(self, at: str, epoch: int = 1, batch: int = 0) -> None:
        assert at in MOMENTS, f'at must be one of {MOMENTS}, got {at!r}'
        self.at, self.epoch, self.batch = at, epoch, batch

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.at == 'load':
            die()

    def after_train_iter(self, runner, batch_idx: int, **kwargs) -> None:
        moment = ('train', runner.epoch + 1, batch_idx)
        if moment == (self.at, self.epoch, self.batch):
            die()

    def after_val_iter(self, runner, batch_idx: int, **kwargs) -> None:
        # The loop counts the epoch as done before it validates.
        if self.at == 'val' and runner.epoch == self.epoch:
            die()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.at == 'save' and checkpoint['meta']['epoch'] == self.epoch:
            builtins.open = cutting_open('.pth', die)
