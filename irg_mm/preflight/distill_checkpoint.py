# Copyright (c) irg_mm contributors. All rights reserved.
"""Test a distillation checkpoint with nothing but its config.

A checkpoint written while training a ``SingleTeacherDistill`` config holds
the student (``architecture.*``) and the teacher (``teacher.*``). Built as
written, the config would still load ``model.teacher_ckpt`` (MMRazor does it
in ``__init__``) and fail where that file is gone, and mmengine's test loop
would report the student only. :func:`prepare_distill_test` takes the
teacher from the checkpoint instead and tests both.
"""
import os.path as osp
from typing import List

from mmengine.config import Config

from irg_mm.errors import DistillConfigError
from .checkpoint_check import open_checkpoint, unwrapped_state_dict

STUDENT_PREFIX = 'architecture.'
TEACHER_PREFIX = 'teacher.'
DISTILL_TEST_LOOP = 'SingleTeacherDistillTestLoop'


def _state_dict_keys(path: str) -> List[str]:
    """The weight names of a checkpoint as mmengine loads them into a model
    (a local file is mapped: the test run reads it)."""
    return list(unwrapped_state_dict(open_checkpoint(path)) or {})


def _has_file(teacher_ckpt: object) -> bool:
    """Whether ``model.teacher_ckpt`` names a file the run can load (a
    remote one is downloaded by the pre-flight check)."""
    return isinstance(teacher_ckpt, str) and ('://' in teacher_ckpt
                                              or osp.isfile(teacher_ckpt))


def prepare_distill_test(cfg: Config) -> Config:
    """Make a distillation config test ``cfg.load_from`` on its own.

    If the checkpoint holds the teacher, ``model.teacher_ckpt`` is set to
    None (the runner loads ``load_from`` into the whole algorithm, teacher
    included), so the file it names need not exist. A default ``test_cfg``
    becomes :class:`~irg_mm.engine.SingleTeacherDistillTestLoop`, which
    reports the student (``accuracy/top1``) and the teacher
    (``teacher.accuracy/top1``). Configs without a teacher are returned
    unchanged.

    Args:
        cfg (Config): The full config, ``load_from`` set to the checkpoint.

    Returns:
        Config: ``cfg``, changed in place.

    Raises:
        DistillConfigError: The checkpoint holds no student (a converted
            student checkpoint, for the student's own config), or no
            teacher while ``model.teacher_ckpt`` names no file.

    Examples:
        >>> cfg = Config.fromfile(
        ...     'configs/digits/irg_resnet8-w8_resnet20_digits.py')
        >>> cfg.load_from = 'work_dirs/irg_digits/epoch_15.pth'
        >>> prepare_distill_test(cfg).model.teacher_ckpt is None
        True
    """
    model_cfg = cfg.get('model')
    if not isinstance(model_cfg, dict) or 'teacher' not in model_cfg:
        return cfg
    keys = _state_dict_keys(cfg.load_from)
    if not any(key.startswith(STUDENT_PREFIX) for key in keys):
        raise DistillConfigError(
            f'model: {cfg.load_from} holds no distiller weights (no '
            f'{STUDENT_PREFIX!r} keys), so this distillation config would '
            'test a random student; test a plain student checkpoint with '
            "the student's own config")
    if any(key.startswith(TEACHER_PREFIX) for key in keys):
        model_cfg.teacher_ckpt = None
    elif not _has_file(model_cfg.get('teacher_ckpt')):
        raise DistillConfigError(
            f'model.teacher_ckpt: {cfg.load_from} holds no teacher weights '
            f'(no {TEACHER_PREFIX!r} keys) and model.teacher_ckpt='
            f'{model_cfg.get("teacher_ckpt")!r} names no file; pass the '
            'teacher with --cfg-options model.teacher_ckpt=PATH')
    test_cfg = cfg.get('test_cfg') or {}
    if test_cfg.get('type', 'TestLoop') == 'TestLoop':
        cfg.test_cfg = dict(test_cfg, type=DISTILL_TEST_LOOP)
    return cfg
