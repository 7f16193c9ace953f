# Copyright (c) irg_mm contributors. All rights reserved.
"""Check that every parameter scheduler fits the training length.

A scheduler without ``end`` runs to the end of training, and mmengine
refuses one that ends where it begins with a deep traceback
(``end should be larger than begin``) after the Runner is half built. The
classic way to get there is a short first try, ``train_cfg.max_epochs=1``,
on a config with a one-epoch warm-up followed by a cosine from epoch 1.
"""
from typing import List, Optional, Tuple

from mmengine.config import Config

from irg_mm.errors import ConfigError


def _training_length(cfg: Config) -> Optional[Tuple[bool, str, int]]:
    """``(by_epoch, key, length)`` of the train loop, None if unknown."""
    train_cfg = cfg.get('train_cfg')
    if not isinstance(train_cfg, dict):
        return None
    for by_epoch, name in ((True, 'max_epochs'), (False, 'max_iters')):
        if isinstance(train_cfg.get(name), int):
            return by_epoch, f'train_cfg.{name}', train_cfg[name]
    return None


def _listed(key: str, schedulers: object) -> List[Tuple[str, dict]]:
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    return [(f'{key}[{index}]', scheduler)
            for index, scheduler in enumerate(schedulers or [])
            if isinstance(scheduler, dict)]


def _schedulers(cfg: Config) -> List[Tuple[str, dict]]:
    """``(key, scheduler)`` of every scheduler, also of the per-optimizer
    form ``param_scheduler=dict(generator=[...], architecture=[...])``."""
    schedulers = cfg.get('param_scheduler')
    if isinstance(schedulers, dict) and 'type' not in schedulers:
        return [
            pair for name, value in schedulers.items()
            for pair in _listed(f'param_scheduler.{name}', value)
        ]
    return _listed('param_scheduler', schedulers)


def check_schedule(cfg: Config) -> None:
    """Each scheduler must end after it begins, within the training length.

    Args:
        cfg (Config): The full config.

    Raises:
        ConfigError: A scheduler's ``end`` (given, or the training length
            by default) is not after its ``begin``; the message names the
            scheduler and the keys to change.

    Examples:
        >>> cfg = Config(dict(
        ...     train_cfg=dict(by_epoch=True, max_epochs=1),
        ...     param_scheduler=[dict(type='CosineAnnealingLR', begin=1)]))
        >>> check_schedule(cfg)
        Traceback (most recent call last):
        ConfigError: param_scheduler[0] (CosineAnnealingLR): begins at ...
    """
    length = _training_length(cfg)
    for key, scheduler in _schedulers(cfg):
        key = f'{key} ({scheduler.get("type")})'
        begin = scheduler.get('begin', 0)
        unit = 'epoch' if scheduler.get('by_epoch', True) else 'iteration'
        if 'end' in scheduler:
            if scheduler['end'] <= begin:
                raise ConfigError(
                    f'{key}: end={scheduler["end"]} is not after '
                    f'begin={begin}; give it an end after its begin')
            continue
        if length is None or length[0] != scheduler.get('by_epoch', True):
            continue
        _, length_key, steps = length
        if steps <= begin:
            raise ConfigError(
                f'{key}: begins at {unit} {begin}, but {length_key}={steps} '
                f'ends training there; use {length_key} >= {begin + 1}, or '
                'a constant learning rate: --cfg-options param_scheduler=[]')
