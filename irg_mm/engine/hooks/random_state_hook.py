# Copyright (c) irg_mm contributors. All rights reserved.
import random
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import EpochBasedTrainLoop

# Beside mmengine's 'meta', 'state_dict', 'optimizer', ... in a checkpoint:
# one state per process, in rank order.
CHECKPOINT_KEY = 'random_state'
# Python's, NumPy's and torch's generators (and CUDA's) by name.
RandomState = Dict[str, Any]


def get_random_state() -> RandomState:
    """The state of every random generator this process draws from.

    Returns:
        dict: ``python`` (``random.getstate()``), ``numpy`` (the global
        generator's tuple), ``torch`` (CPU, a uint8 tensor) and, in a
        process that has used CUDA, ``cuda`` (one uint8 tensor a device).
        All of it loads with ``torch.load(weights_only=True)``.

    Examples:
        >>> state = get_random_state()
        >>> first = torch.rand(1)
        >>> set_random_state(state)
        >>> torch.equal(torch.rand(1), first)
        True
    """
    state = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    # Asking a process that never used CUDA would initialise it; such a
    # process has not drawn from the CUDA generators either.
    if torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: RandomState) -> None:
    """Put every generator back into a state from :func:`get_random_state`.

    Args:
        state (dict): The state, possibly loaded onto a GPU by
            ``map_location`` (the generators take CPU tensors).
    """
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state:
        torch.cuda.set_rng_state_all([cuda.cpu() for cuda in state['cuda']])


def use_random_state_hook(cfg: Config) -> None:
    """Turn :class:`RandomStateHook` on as ``default_hooks.random_state``,
    unless the config sets that key itself (``None`` turns it off).

    Args:
        cfg (Config): The full config, changed in place.

    Examples:
        >>> cfg = Config(dict(default_hooks=dict(random_state=None)))
        >>> use_random_state_hook(cfg)
        >>> 'random_state' in cfg.default_hooks
        False
    """
    # Config.setdefault stores a copy of a new dict: read it back.
    cfg.setdefault('default_hooks', {})
    hooks = cfg.default_hooks
    hooks.setdefault('random_state', dict(type='RandomStateHook'))
    # mmengine drops None only for its own default hooks' names.
    if hooks['random_state'] is None:
        del hooks['random_state']


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random state with every checkpoint and restore it on resume,
    so that an epoch-based run resumed from a checkpoint continues exactly
    as if it had not stopped.

    mmengine re-seeds every run from ``randomness.seed``, so without this a
    resumed run draws its random augmentations (and dropout, random erasing,
    ...) from the seed again. This hook keeps, at the end of every training
    epoch, the state of each process's generators (Python ``random``, NumPy's
    global generator, torch's CPU generator and each CUDA device's; gathered
    from every rank under DDP), writes it into each checkpoint as
    ``checkpoint['random_state']``, and makes every following epoch start
    from it. On ``--resume`` the loaded state is applied at the start of the
    first epoch, after mmengine's seeding and start-up. Anything drawn
    between two epochs, e.g. by validation, therefore never shifts training:
    an uninterrupted run and a resumed one train on the same random stream.

    ``tools/train.py`` turns it on for every run as
    ``default_hooks.random_state``; ``default_hooks.random_state=None`` turns
    it off. Checkpoints without the state (written before) still resume,
    with a warning that the state was not saved.

    Note:
        Exact for ``EpochBasedTrainLoop`` with checkpoints at epoch ends
        (``default_hooks.checkpoint.by_epoch=True``, which the pre-flight
        requires while this hook is on) and dataloader workers that do not
        persist across epochs (mmengine seeds each worker from the seed, the
        rank and the worker id when it starts; with
        ``persistent_workers=True`` the pre-flight warns). Resume on the
        same number of processes. ``IterBasedTrainLoop`` replays the data up
        to the saved iteration instead, which redraws the augmentations, so
        the state it saves is not applied there.

    Examples:
        >>> default_hooks = dict(random_state=dict(type='RandomStateHook'))
        >>> # or off, on the command line of tools/train.py:
        >>> # --cfg-options default_hooks.random_state=None
    """

    # First in after_train_epoch, so the state is kept before any other
    # hook draws, and first in before_train_epoch, so the epoch starts from
    # it before any other hook draws.
    priority = 'HIGHEST'

    def __init__(self) -> None:
        # The state of every rank to start the next epoch from.
        self._next_epoch_state: Optional[List[RandomState]] = None

    def after_train_epoch(self, runner) -> None:
        """Keep every rank's state (a collective: rank 0 alone saves)."""
        self._next_epoch_state = all_gather_object(get_random_state())

    def before_train_epoch(self, runner) -> None:
        """Start the epoch from the kept or resumed state."""
        if self._next_epoch_state is not None:
            set_random_state(self._next_epoch_state[get_rank()])
            self._next_epoch_state = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Write the state the next epoch starts from; before the first
        epoch end (iteration-based checkpoints), this process's state."""
        checkpoint[CHECKPOINT_KEY] = self._next_epoch_state or [
            get_random_state()
        ]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """On resume, apply the checkpoint's state when the next epoch
        starts (mmengine may re-seed after loading)."""
        # `load_from` without resume starts a new run; IterBasedTrainLoop
        # redraws by replaying the data.
        if not runner._resume or not isinstance(runner.train_loop,
                                                EpochBasedTrainLoop):
            return
        states = checkpoint.get(CHECKPOINT_KEY)
        if states is None:
            runner.logger.warning(
                'The resumed checkpoint holds no random state (saved before '
                'irg_mm stored it): random augmentations restart from '
                'randomness.seed, so this run differs slightly from an '
                'uninterrupted one.')
        elif len(states) != runner.world_size:
            runner.logger.warning(
                f'The resumed checkpoint holds the random state of '
                f'{len(states)} processes, this run has '
                f'{runner.world_size}: random augmentations restart from '
                'randomness.seed.')
        else:
            self._next_epoch_state = states
            runner.logger.info(
                f'Resuming the random state of {len(states)} process(es) '
                'saved with the checkpoint.')
