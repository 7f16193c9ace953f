# Copyright (c) irg_mm contributors. All rights reserved.
"""Write checkpoints so that a kill mid-write never leaves a truncated file.

mmengine writes a local checkpoint with ``open(path, 'wb')``
(``LocalBackend.put``) and then names it in ``work_dir/last_checkpoint``
with ``open(path, 'w')`` (``CheckpointHook``). A run killed during either
write (SIGKILL, a pre-empted job, a power cut) leaves a truncated file
under the final name, which ``--resume`` and the grid runner then trip on.
:func:`install_atomic_writes` sends both writes through
:func:`atomic_write`: the bytes go to a hidden temporary file in the same
folder, reach the disk (``fsync``) and only then replace the target
(``os.replace``, atomic within a file system), so the target always holds
either its previous or its new content. A kill can leave the temporary
``.NAME.PID.tmp`` behind; nothing reads it.

With ``max_keep_ckpts`` (1 in irg_mm's Fashion-MNIST configs),
``CheckpointHook`` also removes the checkpoint it drops *before* writing the
new one, so a kill during the write would leave no checkpoint at all and
``last_checkpoint`` naming a removed file. Here the removal waits until the
new checkpoint and ``last_checkpoint`` are written.
"""
import os
import os.path as osp
from contextlib import contextmanager
from typing import IO, Any, Iterator, Union

from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook, checkpoint_hook
from mmengine.utils import mkdir_or_exist

PathLike = Union[str, 'os.PathLike[str]']
# mmengine's own, which removes the outdated checkpoint first.
_REMOVE_THEN_SAVE = CheckpointHook._save_checkpoint_with_step


def _fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` survive a power cut (POSIX only)."""
    if os.name != 'posix':
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def atomic_write(path: PathLike, mode: str = 'wb') -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it changes all at once or not at
    all.

    Args:
        path (str | PathLike): The file to write.
        mode (str): ``'wb'`` or ``'w'``. Defaults to ``'wb'``.

    Yields:
        file: A temporary file beside ``path``; when the block ends without
        an exception it replaces ``path``, else it is removed.

    Examples:
        >>> with atomic_write('/tmp/atomic_example.txt', 'w') as f:
        ...     _ = f.write('whole')
        >>> open('/tmp/atomic_example.txt').read()
        'whole'
    """
    path = os.fspath(path)
    folder, name = osp.split(osp.abspath(path))
    # Hidden and without the checkpoint's suffix: no glob for '*.pth' and
    # no find_latest_checkpoint ever takes it for a checkpoint.
    temporary = osp.join(folder, f'.{name}.{os.getpid()}.tmp')
    try:
        with open(temporary, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if osp.exists(temporary):
            os.remove(temporary)
        raise
    _fsync_folder(folder)


def _put_atomically(self: LocalBackend, obj: bytes,
                    filepath: PathLike) -> None:
    """``LocalBackend.put`` (mmengine's checkpoint writes) through
    :func:`atomic_write`."""
    mkdir_or_exist(osp.dirname(osp.abspath(filepath)))
    with atomic_write(filepath, 'wb') as f:
        f.write(obj)


def _open_for_checkpoint_hook(file: PathLike,
                              mode: str = 'r',
                              *args: Any,
                              **kwargs: Any) -> Any:
    """``open`` as ``CheckpointHook`` sees it: its one write, of
    ``last_checkpoint``, is atomic; reads are plain ``open``."""
    if mode in ('w', 'wb'):
        return atomic_write(file, mode)
    return open(file, mode, *args, **kwargs)


class _RemovalsLater:
    """A file backend whose ``remove`` only notes the path."""

    def __init__(self, backend: Any) -> None:
        self.backend, self.removed = backend, []

    def remove(self, filepath: PathLike) -> None:
        self.removed.append(filepath)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


def _save_then_remove(self: CheckpointHook, runner, step: int,
                      meta: dict) -> None:
    """``CheckpointHook._save_checkpoint_with_step``, removing the checkpoint
    that ``max_keep_ckpts`` drops only once the new one is saved."""
    backend = self.file_backend
    self.file_backend = later = _RemovalsLater(backend)
    try:
        _REMOVE_THEN_SAVE(self, runner, step, meta)
    finally:
        self.file_backend = backend
    for filepath in later.removed:
        backend.remove(filepath)


def install_atomic_writes() -> None:
    """Make mmengine's local checkpoint and ``last_checkpoint`` writes
    atomic, and its outdated checkpoints removed after the new one is
    saved; safe to call more than once."""
    LocalBackend.put = _put_atomically
    # The hook module's own name `open` is looked up before the builtin.
    checkpoint_hook.open = _open_for_checkpoint_hook
    CheckpointHook._save_checkpoint_with_step = _save_then_remove
