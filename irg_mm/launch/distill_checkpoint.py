# Copyright (c) irg_mm contributors. All rights reserved.
"""What a distillation checkpoint holds, for the tools that read one.

A checkpoint written while training a ``SingleTeacherDistill`` config holds
the student (``architecture.*``) and the teacher (``teacher.*``). Built as
written, the config would still load ``model.teacher_ckpt`` (MMRazor does it
in ``__init__``) and fail where that file is gone, and mmengine's test loop
would report the student only. :func:`prepare_distill_test` takes the
teacher from the checkpoint instead and tests both;
:func:`use_checkpoint_teacher` does the same for any tool that loads the
whole algorithm (``tools/analysis/visualize_irg.py``), and
:func:`extract_student` serves
``tools/model_converters/convert_to_student.py``.
"""
import os.path as osp
from typing import Dict, List

import torch
from mmengine.config import Config

from irg_mm.errors import DistillConfigError, NotADistillCheckpointError
from irg_mm.preflight.checkpoint_check import (STUDENT_PREFIX, TEACHER_PREFIX,
                                               open_checkpoint,
                                               unwrapped_state_dict)

DISTILL_TEST_LOOP = 'SingleTeacherDistillTestLoop'


def extract_student(state_dict: Dict[str, torch.Tensor],
                    prefix: str = STUDENT_PREFIX) -> Dict[str, torch.Tensor]:
    """The student's weights of a distiller's state dict, prefix removed.

    Args:
        state_dict (dict[str, Tensor]): State dict of the whole algorithm.
        prefix (str): Prefix of the student's keys. Defaults to
            ``'architecture.'``.

    Returns:
        dict[str, Tensor]: The student's state dict.

    Raises:
        NotADistillCheckpointError: If no key starts with ``prefix``.

    Examples:
        >>> weights = {'architecture.head.fc.bias': torch.zeros(2),
        ...            'teacher.head.fc.bias': torch.ones(2)}
        >>> list(extract_student(weights))
        ['head.fc.bias']
    """
    student = {
        key[len(prefix):]: value
        for key, value in state_dict.items() if key.startswith(prefix)
    }
    if not student:
        sample = ', '.join(list(state_dict)[:3]) or 'no keys at all'
        raise NotADistillCheckpointError(
            f'no weights start with {prefix!r} (found {sample}), so this is '
            'not a checkpoint of an MMRazor distillation algorithm; a plain '
            'classifier checkpoint needs no conversion')
    return student


def _state_dict_keys(path: str) -> List[str]:
    """The weight names of a checkpoint as mmengine loads them into a model
    (a local file is mapped: the tool's Runner or loader reads it)."""
    return list(unwrapped_state_dict(open_checkpoint(path)) or {})


def _has_file(teacher_ckpt: object) -> bool:
    """Whether ``model.teacher_ckpt`` names a file the run can load (a
    remote one is downloaded by the pre-flight check)."""
    return isinstance(teacher_ckpt, str) and ('://' in teacher_ckpt
                                              or osp.isfile(teacher_ckpt))


def use_checkpoint_teacher(cfg: Config, checkpoint: str) -> None:
    """Take the teacher from a distillation checkpoint that holds one.

    ``model.teacher_ckpt`` becomes None when ``checkpoint`` holds the
    teacher (loading ``checkpoint`` into the whole algorithm restores the
    teacher it trained with), so the file it names need not exist.

    Args:
        cfg (Config): A ``SingleTeacherDistill`` config, changed in place.
        checkpoint (str): A checkpoint of the whole algorithm.

    Raises:
        DistillConfigError: The checkpoint holds no student (a converted
            student checkpoint, for the student's own config), or no
            teacher while ``model.teacher_ckpt`` names no file.
    """
    keys = _state_dict_keys(checkpoint)
    if not any(key.startswith(STUDENT_PREFIX) for key in keys):
        raise DistillConfigError(
            f'model: {checkpoint} holds no distiller weights (no '
            f'{STUDENT_PREFIX!r} keys), so this distillation config would '
            'use a random student; test a plain student checkpoint with '
            "the student's own config")
    if any(key.startswith(TEACHER_PREFIX) for key in keys):
        cfg.model.teacher_ckpt = None
    elif not _has_file(cfg.model.get('teacher_ckpt')):
        raise DistillConfigError(
            f'model.teacher_ckpt: {checkpoint} holds no teacher weights '
            f'(no {TEACHER_PREFIX!r} keys) and model.teacher_ckpt='
            f'{cfg.model.get("teacher_ckpt")!r} names no file; pass the '
            'teacher with --cfg-options model.teacher_ckpt=PATH')


def prepare_distill_test(cfg: Config) -> Config:
    """Make a distillation config test ``cfg.load_from`` on its own.

    The teacher comes from the checkpoint (:func:`use_checkpoint_teacher`).
    A default ``test_cfg`` becomes
    :class:`~irg_mm.engine.SingleTeacherDistillTestLoop`, which reports the
    student (``accuracy/top1``) and the teacher (``teacher.accuracy/top1``).
    Configs without a teacher are returned unchanged.

    Args:
        cfg (Config): The full config, ``load_from`` set to the checkpoint.

    Returns:
        Config: ``cfg``, changed in place.

    Raises:
        DistillConfigError: See :func:`use_checkpoint_teacher`.

    Examples:
        >>> cfg = Config.fromfile(
        ...     'configs/digits/irg_resnet8-w8_resnet20_digits.py')
        >>> cfg.load_from = 'work_dirs/irg_digits/epoch_15.pth'
        >>> prepare_distill_test(cfg).model.teacher_ckpt  # doctest: +SKIP
        None
    """
    model_cfg = cfg.get('model')
    if not isinstance(model_cfg, dict) or 'teacher' not in model_cfg:
        return cfg
    use_checkpoint_teacher(cfg, cfg.load_from)
    test_cfg = cfg.get('test_cfg') or {}
    if test_cfg.get('type', 'TestLoop') == 'TestLoop':
        cfg.test_cfg = dict(test_cfg, type=DISTILL_TEST_LOOP)
    return cfg
