# Copyright (c) irg_mm contributors. All rights reserved.
"""Check the checkpoints a run will load, before it starts.

MMRazor loads ``teacher_ckpt`` with mmengine's non-strict
``load_checkpoint``: a checkpoint of another network only warns, and the
student then learns from a partly random teacher. A ``--resume`` from a
truncated latest checkpoint fails after the whole Runner is built, without
saying which earlier checkpoint still works. Both are checked here through
irg_mm's safe loader (:func:`irg_mm.compat.safe_torch_load`), and a local
file is mapped, not read: the weights are read once, by the run itself. A
remote checkpoint (``https://``, ``torchvision://``, ...) is downloaded once
to the torch hub cache by irg_mm's safe scheme loaders, where the run then
finds it.
"""
import glob
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

from irg_mm.compat import safe_torch_load
from irg_mm.compat.safe_checkpoint import mapped_checkpoints
from irg_mm.errors import (CheckpointDownloadError, CorruptCheckpointError,
                           TeacherCheckpointError, UnsafeCheckpointError)

# Where an MMRazor distillation algorithm keeps its student and teacher.
STUDENT_PREFIX = 'architecture.'
TEACHER_PREFIX = 'teacher.'
# Keys mmengine's load_state_dict does not report missing either.
IGNORED_MISSING = 'num_batches_tracked'
# Shown per list in an error; the count says how many more there are.
MAX_LISTED_KEYS = 8
# The shape of each weight of a checkpoint, by name.
TensorShapes = Dict[str, Tuple[int, ...]]
# What loading a remote checkpoint raises with the URL already named.
REMOTE_LOAD_ERRORS = (UnsafeCheckpointError, CorruptCheckpointError,
                      CheckpointDownloadError)


def _is_remote(path: str) -> bool:
    return '://' in path


def open_checkpoint(path: str, key: Optional[str] = None) -> Any:
    """Open a checkpoint the way the run will, naming ``key`` in errors.

    The file is mapped (:func:`mapped_checkpoints`): keys and shapes come
    without reading the weights, which the run then reads once. A remote
    path goes through ``CheckpointLoader``, whose every scheme irg_mm made
    safe, so it is downloaded once to the torch hub cache, mapped there,
    and read by the run from the cache (``pavi://`` and ``s3://`` files,
    loaded from memory, are read).

    Args:
        path (str): A local path or a URL of any scheme mmengine knows.
        key (str, optional): The config key that names ``path``, for
            errors. Defaults to None.

    Returns:
        Any: What the checkpoint holds (mapped tensors for a local file).

    Raises:
        CorruptCheckpointError: The file is truncated or no checkpoint.
        UnsafeCheckpointError: The file holds objects that could run code.
        CheckpointDownloadError: A remote file could not be downloaded.
    """
    with mapped_checkpoints():
        if not _is_remote(path):
            return safe_torch_load(
                path,
                map_location='cpu',
                description=f'{key}={path!r}' if key else None)
        try:
            return CheckpointLoader.load_checkpoint(path, map_location='cpu')
        except REMOTE_LOAD_ERRORS as error:
            if key is None:
                raise
            raise type(error)(f'{key}: {error}') from error


def unwrapped_state_dict(
        checkpoint: object) -> Optional[Dict[str, torch.Tensor]]:
    """The weights of a loaded checkpoint as mmengine's ``load_checkpoint``
    reads them: its ``state_dict``, a DDP ``module.`` prefix removed.

    Args:
        checkpoint (object): What the checkpoint file held.

    Returns:
        dict, optional: The weights by name; None if there is no dict.
    """
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, dict):
        return None
    return {
        re.sub(r'^module\.', '', key): value
        for key, value in checkpoint.items()
    }


def _state_dict(path: str, checkpoint: object) -> Dict[str, torch.Tensor]:
    """The teacher checkpoint's weights, or an error naming the key."""
    weights = unwrapped_state_dict(checkpoint)
    if weights is None:
        raise TeacherCheckpointError(
            f'model.teacher_ckpt={path!r} holds no state dict (got '
            f'{type(checkpoint).__name__}); save {{"state_dict": '
            'teacher.state_dict()}}')
    return weights


def _listed(keys: List[str]) -> str:
    more = len(keys) - MAX_LISTED_KEYS
    return f'{keys[:MAX_LISTED_KEYS]}' + (f' and {more} more'
                                          if more > 0 else '')


def _prefix_hint(given: List[str], expected: List[str]) -> str:
    """Explain keys that match once a common prefix is removed."""
    prefixes = {key.split('.', 1)[0] for key in given}
    if len(prefixes) != 1 or not all('.' in key for key in given):
        return ''
    prefix = f'{prefixes.pop()}.'
    if {key[len(prefix):] for key in given} >= set(expected):
        return (f' Every key starts with {prefix!r}: the file is a checkpoint '
                'of a larger model (e.g. a distiller); save the teacher\'s '
                'own state_dict() without the prefix.')
    return ''


def _check_not_a_distillation_run(path: str, weights: Dict[str, Any]) -> None:
    """A distillation run's checkpoint holds a student and a teacher; MMRazor
    would load none of it into the teacher (no key fits) and warn only."""
    if not all(
            any(key.startswith(prefix) for key in weights)
            for prefix in (STUDENT_PREFIX, TEACHER_PREFIX)):
        return
    raise TeacherCheckpointError(
        f'model.teacher_ckpt={path!r} is the checkpoint of a distillation '
        f'run, holding both its networks (the student as '
        f'{STUDENT_PREFIX}*, its teacher as {TEACHER_PREFIX}*), not one '
        'teacher; to distil from that student, export it with `python '
        f'tools/model_converters/convert_to_student.py {path} student.pth` '
        'and set model.teacher_ckpt=student.pth; to distil from its '
        "teacher, give that run's own model.teacher_ckpt (the frozen "
        'teacher it holds)')


def read_teacher_checkpoint(path: Optional[str]) -> Optional[TensorShapes]:
    """Check that ``model.teacher_ckpt`` is a safe, whole checkpoint of
    weights, and read their shapes (a local file is mapped, not read).

    A remote checkpoint (``https://...``, ``torchvision://...``) is
    downloaded to the torch hub cache and checked the same way.

    Args:
        path (str, optional): ``model.teacher_ckpt``; None skips the check.

    Returns:
        dict, optional: The shape of every weight by name, for
        :func:`check_teacher_fits`; None without a path.

    Raises:
        FileNotFoundError: The file does not exist.
        CheckpointDownloadError: A remote file could not be downloaded.
        CorruptCheckpointError: The file is truncated or no checkpoint.
        UnsafeCheckpointError: The file holds objects that could run code.
        TeacherCheckpointError: The file holds no state dict, or both
            networks of a distillation run.
    """
    if not path:
        return None
    if not _is_remote(path) and not osp.isfile(path):
        raise FileNotFoundError(
            f'model.teacher_ckpt={path!r} does not exist: train the teacher '
            'first (e.g. tools/train.py with its own config) or fix the path, '
            'e.g. --cfg-options model.teacher_ckpt=PATH')
    weights = _state_dict(path,
                          open_checkpoint(path, key='model.teacher_ckpt'))
    _check_not_a_distillation_run(path, weights)
    return {key: tuple(value.shape) for key, value in weights.items()}


def check_teacher_fits(path: str, given: TensorShapes,
                       teacher: nn.Module) -> None:
    """Check that ``model.teacher_ckpt`` holds exactly the teacher's weights.

    Args:
        path (str): ``model.teacher_ckpt``, for the message.
        given (dict): Its weight shapes, from
            :func:`read_teacher_checkpoint`.
        teacher (nn.Module): The built teacher.

    Raises:
        TeacherCheckpointError: Keys are missing or unexpected, or shapes
            differ; the message lists them.
    """
    expected = teacher.state_dict()
    missing = [
        key for key in expected
        if key not in given and IGNORED_MISSING not in key
    ]
    unexpected = [key for key in given if key not in expected]
    mismatched = [
        f'{key}: {given[key]} vs {tuple(value.shape)}'
        for key, value in expected.items()
        if key in given and given[key] != tuple(value.shape)
    ]
    if missing or unexpected or mismatched:
        raise TeacherCheckpointError(
            f'model.teacher_ckpt={path!r} does not fit model.teacher '
            f'({type(teacher).__name__}): missing keys {_listed(missing)}, '
            f'unexpected keys {_listed(unexpected)}, shape mismatches '
            f'(file vs teacher) {_listed(mismatched)}. MMRazor loads it '
            'partly, and the student would learn from a half-random '
            'teacher; point teacher_ckpt at a checkpoint of exactly this '
            'teacher config.' + _prefix_hint(list(given), list(expected)))


def _resume_source(cfg: Config) -> Optional[str]:
    """The checkpoint mmengine's ``Runner.load_or_resume`` will resume."""
    if not cfg.get('resume'):
        return None
    if cfg.get('load_from'):
        return cfg.load_from
    return find_latest_checkpoint(cfg.work_dir) if cfg.get('work_dir') \
        else None


def _newest_checkpoint(work_dir: str,
                       exclude: Optional[str] = None) -> Optional[str]:
    """The most recently written ``*.pth`` in ``work_dir``, other than
    ``exclude``."""
    saved = [
        path for path in glob.glob(osp.join(work_dir, '*.pth'))
        if exclude is None or not osp.samefile(path, exclude)
    ]
    return max(saved, key=osp.getmtime) if saved else None


def resolve_auto_resume(cfg: Config) -> None:
    """Make ``--resume`` (no path) take the newest checkpoint in the work dir.

    mmengine resumes from the file named in ``work_dir/last_checkpoint``,
    which it writes only after the checkpoint itself. A run killed between
    the two would resume from the checkpoint before, or from scratch, and
    lose an epoch of training; this points ``load_from`` at the newer file.

    Args:
        cfg (Config): The full config; ``load_from`` is set in place.
    """
    if not cfg.get('resume') or cfg.get('load_from') or not cfg.get(
            'work_dir') or not osp.isdir(cfg.work_dir):
        return
    newest = _newest_checkpoint(cfg.work_dir)
    recorded = find_latest_checkpoint(cfg.work_dir)
    if newest is None or (recorded and osp.isfile(recorded)
                          and osp.getmtime(recorded) >= osp.getmtime(newest)):
        return
    cfg.load_from = newest
    print_log(
        f'{newest} is newer than the checkpoint named in last_checkpoint '
        f'({recorded}): the run stopped right after saving it. Resuming '
        'from it.',
        logger='current')


def check_resume_checkpoint(cfg: Config) -> None:
    """Check that the checkpoint a ``--resume`` run will load is readable.

    Args:
        cfg (Config): The full config (``resume``, ``load_from`` and
            ``work_dir`` as ``tools/train.py`` sets them).

    Raises:
        CorruptCheckpointError: The checkpoint is truncated or corrupt; the
            message names it and the previous checkpoint to resume from.
        CheckpointDownloadError: A remote checkpoint could not be
            downloaded.
        UnsafeCheckpointError: The checkpoint holds objects that could run
            code (from :func:`safe_torch_load`, which names the file).
    """
    path = _resume_source(cfg)
    if path is None:
        return
    try:
        open_checkpoint(path)
    except CorruptCheckpointError as error:
        raise CorruptCheckpointError(
            f'Cannot resume: {error}{_resume_advice(path)}') from error


def _resume_advice(path: str) -> str:
    """Which checkpoint beside a corrupt local one to resume from."""
    if _is_remote(path):
        return ''
    previous = _newest_checkpoint(osp.dirname(path), exclude=path)
    if previous:
        return (f' The previous checkpoint is {previous}: resume from it '
                f'with `--resume {previous}`, or move {path} away and use '
                '`--resume`.')
    return (f' No other checkpoint is in {osp.dirname(path)}: start again '
            'without --resume.')
