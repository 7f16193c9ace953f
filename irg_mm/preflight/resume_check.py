# Copyright (c) irg_mm contributors. All rights reserved.
"""Check that ``--resume`` will continue an epoch-based run exactly.

With :class:`~irg_mm.engine.hooks.RandomStateHook` on (what
``tools/train.py`` sets as ``default_hooks.random_state``), a run of an
epoch-based loop resumed from a checkpoint written at an epoch end
continues exactly. Two settings break that, and are caught here before
anything is built:

- checkpoints inside epochs (``default_hooks.checkpoint.by_epoch=False``):
  mmengine's ``EpochBasedTrainLoop`` restarts the interrupted epoch, so its
  first part would be trained twice. Refused: such a checkpoint is never
  written.
- dataloader workers that live across epochs (``persistent_workers=True``
  with ``num_workers > 0``): their random state is in the worker processes,
  out of a checkpoint's reach, and a resumed run's workers start from the
  seed. Warned about.
"""
import logging

from mmengine.config import Config
from mmengine.logging import print_log

from irg_mm.errors import ConfigError


def check_exact_resume(cfg: Config) -> None:
    """Refuse mid-epoch checkpoints and warn about persistent workers in an
    epoch-based run with ``default_hooks.random_state``.

    Args:
        cfg (Config): The full config.

    Raises:
        ConfigError: ``default_hooks.checkpoint.by_epoch=False`` with an
            epoch-based ``train_cfg``; the message names the fixes.

    Examples:
        >>> cfg = Config(dict(
        ...     train_cfg=dict(by_epoch=True, max_epochs=3),
        ...     default_hooks=dict(random_state=dict(type='RandomStateHook'),
        ...                        checkpoint=dict(by_epoch=False))))
        >>> check_exact_resume(cfg)
        Traceback (most recent call last):
        ConfigError: default_hooks.checkpoint.by_epoch=False: ...
    """
    hooks = cfg.get('default_hooks') or {}
    train_cfg = cfg.get('train_cfg') or {}
    # Every epoch-based loop takes max_epochs, IterBasedTrainLoop max_iters.
    if not hooks.get('random_state') or 'max_epochs' not in train_cfg:
        return
    if (hooks.get('checkpoint') or {}).get('by_epoch', True) is False:
        raise ConfigError(
            'default_hooks.checkpoint.by_epoch=False: a checkpoint inside an '
            'epoch of an epoch-based train_cfg cannot be resumed exactly '
            '(the epoch restarts); use by_epoch=True, or '
            "train_cfg=dict(type='IterBasedTrainLoop', ...) for checkpoints "
            'by iteration, or default_hooks.random_state=None to allow it')
    loader = cfg.get('train_dataloader') or {}
    if loader.get('num_workers', 0) > 0 and loader.get('persistent_workers'):
        print_log(
            'train_dataloader.persistent_workers=True: --resume will not be '
            "exact (the workers' random state outlives epochs, out of a "
            'checkpoint\'s reach); set persistent_workers=False for an exact '
            'resume',
            logger='current',
            level=logging.WARNING)
