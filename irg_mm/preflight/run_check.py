# Copyright (c) irg_mm contributors. All rights reserved.
"""Check that a distillation run can learn anything, before it starts.

Two configs train to the end and teach nothing: a teacher that keeps its
random initialisation (``model.teacher_ckpt=None`` and no other source of
its weights), and IRG edge or transformation terms over graphs of one
instance (``batch_size=1``: no pairs, every term zero for the whole run).
Both are errors unless the config says that this is meant, in
``preflight = dict(allow_random_teacher=True, allow_inactive_irg=True)``.
"""
import os
from typing import Dict

from mmengine.config import Config
from torch import nn

from irg_mm.errors import ConfigError, DistillConfigError
from irg_mm.models.losses.normalized_graph_loss import NormalizedGraphLoss
from irg_mm.models.utils.suggestions import suggest

PREFLIGHT_OPTIONS = ('allow_random_teacher', 'allow_inactive_irg')


def preflight_option(cfg: Config, name: str) -> bool:
    """Whether ``preflight.<name>`` is set, checking every given option.

    Args:
        cfg (Config): The full config.
        name (str): One of :data:`PREFLIGHT_OPTIONS`.

    Returns:
        bool: The option's value (False when not given).

    Raises:
        ConfigError: ``preflight`` is not a dict, or names an unknown option.
    """
    options = cfg.get('preflight') or {}
    if not isinstance(options, dict):
        raise ConfigError(f'preflight: expected a dict of '
                          f'{list(PREFLIGHT_OPTIONS)}, got {options!r}')
    for option in options:
        if option not in PREFLIGHT_OPTIONS:
            raise ConfigError(
                f'preflight.{option}: unknown option'
                f'{suggest(option, PREFLIGHT_OPTIONS)} (preflight takes '
                f'{list(PREFLIGHT_OPTIONS)})')
    return bool(options.get(name, False))


def _has_pretrained_init(cfg: object) -> bool:
    """Whether a model config loads weights of its own (``init_cfg``
    ``Pretrained`` anywhere in it, or mmpretrain's ``pretrained``)."""
    if isinstance(cfg, dict):
        init_cfg = cfg.get('init_cfg')
        inits = init_cfg if isinstance(init_cfg, list) else [init_cfg]
        if cfg.get('pretrained') or any(
                isinstance(init, dict) and init.get('type') == 'Pretrained'
                for init in inits):
            return True
        return any(_has_pretrained_init(value) for value in cfg.values())
    if isinstance(cfg, (list, tuple)):
        return any(_has_pretrained_init(value) for value in cfg)
    return False


def check_teacher_weights(cfg: Config) -> None:
    """A frozen teacher must get trained weights from somewhere.

    They come from ``model.teacher_ckpt``, from the checkpoint a run loads
    or resumes (``load_from``, ``resume``: a distiller's checkpoint holds
    the teacher), or from the teacher config's own ``init_cfg``; a
    trainable teacher (``teacher_trainable=True``) learns its own.

    Args:
        cfg (Config): The full config of a ``SingleTeacherDistill``.

    Raises:
        DistillConfigError: None of these gives the teacher weights and
            ``preflight.allow_random_teacher`` is not set.
    """
    model_cfg = cfg.model
    if model_cfg.get('teacher_ckpt') or model_cfg.get('teacher_trainable') \
            or cfg.get('load_from') or cfg.get('resume') \
            or _has_pretrained_init(model_cfg.get('teacher')) \
            or preflight_option(cfg, 'allow_random_teacher'):
        return
    raise DistillConfigError(
        f'model.teacher_ckpt: {model_cfg.get("teacher_ckpt")!r} leaves the '
        'frozen teacher randomly initialised, so the student would learn '
        'from noise; point it at the trained teacher (--cfg-options '
        'model.teacher_ckpt=PATH), or set '
        'preflight=dict(allow_random_teacher=True) if that is meant')


def check_graph_sizes(cfg: Config, losses: Dict[str, nn.Module]) -> None:
    """IRG edge and transformation terms need two or more instances a graph.

    Args:
        cfg (Config): The full config.
        losses (dict): The built distill losses by config key.

    Raises:
        DistillConfigError: The training batch (times the world size for
            ``graph_scope='global'``) holds fewer than two instances and
            ``preflight.allow_inactive_irg`` is not set.
    """
    loader = cfg.get('train_dataloader')
    batch_size = loader.get('batch_size') if isinstance(loader, dict) \
        else None
    if not isinstance(batch_size, int):
        return
    world_size = int(os.environ.get('WORLD_SIZE', 1))
    inactive = sorted({
        key
        for key, loss in losses.items()
        if isinstance(loss, NormalizedGraphLoss) and batch_size *
        (world_size if loss.gather_instances.scope == 'global' else 1) < 2
    })
    if inactive and not preflight_option(cfg, 'allow_inactive_irg'):
        raise DistillConfigError(
            f'train_dataloader.batch_size: {batch_size} instance per graph, '
            f'so the IRG terms of {inactive} (relations between instances) '
            'are zero for the whole run; use batch_size >= 2 (the paper '
            'uses 64), graph_scope=\'global\' under DDP, or set '
            'preflight=dict(allow_inactive_irg=True) if that is meant')
