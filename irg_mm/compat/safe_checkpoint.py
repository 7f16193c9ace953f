# Copyright (c) irg_mm contributors. All rights reserved.
"""Load mmengine checkpoints with torch's safe (``weights_only``) unpickler.

torch >= 2.6 loads with ``weights_only=True`` by default, which refuses the
few non-tensor objects that mmengine writes into every checkpoint (the
message hub's :class:`~mmengine.logging.HistoryBuffer`, numpy scalars and
arrays), so ``--resume`` and ``load_from`` break. Instead of falling back to
``weights_only=False``, which runs any code a ``.pth`` file carries, the exact
globals mmengine stores are allow-listed, and every checkpoint mmengine loads
ends in :func:`safe_torch_load`, which always loads safely and explains every
refusal (local files through :func:`load_from_local`, every remote scheme
through :mod:`irg_mm.compat.remote_checkpoint`).
"""
import contextvars
import os.path as osp
import pickle
import zipfile
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

from irg_mm.errors import CorruptCheckpointError, UnsafeCheckpointError

try:  # numpy >= 2 moved the pickling helpers into numpy._core.
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _np_multiarray

# HistoryBuffer pickles its statistics methods as ``getattr(HistoryBuffer,
# 'min')``; these are the only attribute reads a checkpoint may ask for.
HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')
# numpy >= 1.25 rebuilds each dtype as an instance of its own class.
NUMPY_DTYPE_CODES = '?bBhHiIlLqQefdgFDG'


def history_buffer_getattr(owner: Any, name: str) -> Any:
    """Stand-in for ``builtins.getattr`` inside a checkpoint.

    A general ``getattr`` would let a crafted file reach any attribute of any
    allow-listed class; this one returns only HistoryBuffer's own statistics
    methods, which is all mmengine writes.

    Args:
        owner (Any): The object the checkpoint reads from.
        name (str): The attribute name.

    Returns:
        Any: ``getattr(HistoryBuffer, name)`` for a default statistic.
    """
    if owner is HistoryBuffer and name in HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for attribute {name!r} of {owner!r}; only '
        f'HistoryBuffer.{{{",".join(HISTORY_BUFFER_METHODS)}}} are allowed')


def mmengine_safe_globals() -> List[Any]:
    """The non-tensor globals an mmengine training checkpoint contains.

    Found with :func:`torch.serialization.get_unsafe_globals_in_checkpoint`
    on checkpoints written by mmengine's ``CheckpointHook``. They also
    rebuild the random state irg_mm's ``RandomStateHook`` adds: NumPy's is a
    tuple holding a uint32 ndarray, torch's a uint8 tensor, Python's a tuple
    of ints.

    Returns:
        list: Classes and functions torch's safe unpickler may rebuild.
    """
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        _np_multiarray.scalar,
        _np_multiarray._reconstruct,
        # An empty array (e.g. a HistoryBuffer before its first update)
        # pickles its data as ``bytes()``.
        bytes,
        *{type(np.dtype(code))
          for code in NUMPY_DTYPE_CODES},
        (history_buffer_getattr, 'builtins.getattr'),
    ]


def install_safe_globals() -> None:
    """Allow-list :func:`mmengine_safe_globals` for :func:`torch.load`."""
    torch.serialization.add_safe_globals(mmengine_safe_globals())


# Set by :func:`mapped_checkpoints` for the loads inside it.
_MAP_FILES = contextvars.ContextVar(
    'irg_mm_map_checkpoint_files', default=False)


@contextmanager
def mapped_checkpoints() -> Iterator[None]:
    """Map, not read, every checkpoint file loaded inside, whichever scheme
    loader found it (a download lands in the torch hub cache first).

    For checks of keys and shapes: the tensors stay on disk until touched,
    and the run that loads the file later reads them once. A file in torch's
    legacy format, which cannot be mapped, is read.

    Examples:
        >>> from mmengine.runner import CheckpointLoader
        >>> torch.save({'w': torch.zeros(3)}, '/tmp/mapped.pth')
        >>> with mapped_checkpoints():
        ...     CheckpointLoader.load_checkpoint('/tmp/mapped.pth')['w'].shape
        torch.Size([3])
    """
    token = _MAP_FILES.set(True)
    try:
        yield
    finally:
        _MAP_FILES.reset(token)


def _refusal_reason(error: Exception) -> str:
    """The one line of torch's long refusal that names the object."""
    text = str(error)
    marker = 'WeightsUnpickler error:'
    if marker in text:
        text = text.split(marker, 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def safe_torch_load(source: Union[str, Any],
                    map_location: Optional[Any] = None,
                    description: Optional[str] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` and errors that name the fix.

    Args:
        source (str | file-like): Checkpoint path or an open binary stream.
        map_location (Any, optional): Same as :func:`torch.load`.
        description (str, optional): How to name the source in errors.
            Defaults to the path.

    Returns:
        Any: The loaded checkpoint.

    Raises:
        UnsafeCheckpointError: The file carries a pickled object that is not
            allow-listed. Nothing from it was executed.
        CorruptCheckpointError: The file is truncated or not a checkpoint.

    Examples:
        >>> torch.save({'state_dict': {}}, '/tmp/ok.pth')
        >>> safe_torch_load('/tmp/ok.pth')
        {'state_dict': {}}
    """
    name = description or str(source)
    # Inside mapped_checkpoints(); a file in torch's legacy format cannot
    # be mapped and is read.
    mmap = _MAP_FILES.get() and isinstance(source,
                                           str) and zipfile.is_zipfile(source)
    try:
        return torch.load(
            source, map_location=map_location, weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as error:
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {name}: it holds a pickled object '
            'that is neither a tensor nor one of the allow-listed mmengine '
            'objects, and loading it could run code. Nothing from the file '
            f'was executed. Refused: {_refusal_reason(error)} If you made '
            'this file and trust it, allow-list that class with '
            'torch.serialization.add_safe_globals([...]) before loading; '
            'irg_mm never loads with weights_only=False.') from error
    except (EOFError, zipfile.BadZipFile, RuntimeError, ValueError) as error:
        raise CorruptCheckpointError(
            f'Checkpoint {name} is truncated or not a PyTorch checkpoint '
            f'({type(error).__name__}: {error}). Re-save it or resume from an '
            'earlier checkpoint in the work dir.') from error


def load_from_local(filename: str, map_location: Optional[Any] = None) -> Any:
    """mmengine's local-file checkpoint scheme, loading safely.

    Args:
        filename (str): Local checkpoint path.
        map_location (Any, optional): Same as :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint {filename} does not exist. Check the path given to '
            '`load_from`, `--resume` or the teacher\'s `init_cfg`.')
    return safe_torch_load(filename, map_location=map_location)
