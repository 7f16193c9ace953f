# Copyright (c) irg_mm contributors. All rights reserved.
"""RandomStateHook in one process; tests/test_tools/test_exact_resume.py
kills and resumes real runs."""
import random
from types import SimpleNamespace
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
from gloo_ranks import run_gloo_ranks
from mmengine.config import Config
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from irg_mm.compat import safe_torch_load
from irg_mm.engine.hooks import RandomStateHook
from irg_mm.engine.hooks.random_state_hook import (get_random_state,
                                                   set_random_state,
                                                   use_random_state_hook)


def _draw() -> tuple:
    """One draw from each generator a training process uses."""
    return random.random(), np.random.rand(), torch.rand(1).item()


def _runner(loop_type: type = EpochBasedTrainLoop,
            resume: bool = True,
            world_size: int = 1) -> SimpleNamespace:
    return SimpleNamespace(
        _resume=resume,
        train_loop=MagicMock(spec=loop_type),
        world_size=world_size,
        logger=MagicMock())


@pytest.fixture
def saved_checkpoint(tmp_path) -> dict:
    """A checkpoint holding the state at the end of an epoch, loaded back
    the way irg_mm loads every checkpoint; and what that state draws."""
    hook = RandomStateHook()
    hook.after_train_epoch(_runner())
    checkpoint = {}
    hook.before_save_checkpoint(_runner(), checkpoint)
    expected = _draw()
    torch.save(checkpoint, tmp_path / 'epoch_1.pth')
    return dict(
        checkpoint=safe_torch_load(str(tmp_path / 'epoch_1.pth')),
        draws=expected)


def test_state_round_trips_every_generator():
    state = get_random_state()
    first = _draw()
    set_random_state(state)
    assert _draw() == first


def test_every_epoch_starts_where_the_last_ended():
    # Whatever validation draws between two epochs does not reach training.
    hook = RandomStateHook()
    hook.after_train_epoch(_runner())
    expected = _draw()
    hook.before_train_epoch(_runner())
    assert _draw() == expected
    hook.before_train_epoch(_runner())  # applied once
    assert _draw() != expected


def test_resume_starts_the_next_epoch_from_the_saved_state(saved_checkpoint):
    hook = RandomStateHook()
    runner = _runner()
    hook.after_load_checkpoint(runner, saved_checkpoint['checkpoint'])
    _draw()  # mmengine re-seeding, building, DistillCheckHook's dry run
    hook.before_train_epoch(runner)
    assert _draw() == saved_checkpoint['draws']
    runner.logger.warning.assert_not_called()


@pytest.mark.parametrize(
    'runner',
    [
        _runner(resume=False),  # load_from starts a new run
        _runner(IterBasedTrainLoop),  # replays the data instead
    ])
def test_state_is_only_resumed_by_epoch_based_runs(runner, saved_checkpoint):
    hook = RandomStateHook()
    hook.after_load_checkpoint(runner, saved_checkpoint['checkpoint'])
    hook.before_train_epoch(runner)
    assert _draw() != saved_checkpoint['draws']


def _save_and_resume_on_two_ranks(rank: int) -> dict:
    """Each rank with its own random stream saves at an epoch end; a fresh
    hook resumes from the checkpoint rank 0 wrote."""
    random.seed(rank)
    np.random.seed(rank)
    torch.manual_seed(rank)
    hook, runner = RandomStateHook(), _runner(world_size=2)
    hook.after_train_epoch(runner)  # a collective
    expected = _draw()
    # Rank 0 alone writes the checkpoint; every rank resumes from it.
    shared = [{}]
    if rank == 0:
        hook.before_save_checkpoint(runner, shared[0])
    torch.distributed.broadcast_object_list(shared, src=0)
    checkpoint = shared[0]
    resumed = RandomStateHook()
    resumed.after_load_checkpoint(runner, checkpoint)
    resumed.before_train_epoch(runner)
    return dict(
        expected=expected,
        resumed=_draw(),
        saved=len(checkpoint['random_state']))


def test_each_rank_resumes_its_own_state(tmp_path):
    results = run_gloo_ranks(_save_and_resume_on_two_ranks, tmp_path, 2)
    assert [result['saved'] for result in results.values()] == [2, 2]
    for result in results.values():
        assert result['resumed'] == result['expected']
    assert results[0]['expected'] != results[1]['expected']


def test_state_of_another_world_size_is_not_applied(saved_checkpoint):
    hook, runner = RandomStateHook(), _runner(world_size=2)
    hook.after_load_checkpoint(runner, saved_checkpoint['checkpoint'])
    hook.before_train_epoch(runner)
    assert _draw() != saved_checkpoint['draws']
    assert 'random state of 1 processes, this run has 2' in (
        runner.logger.warning.call_args.args[0])


def test_checkpoint_without_state_logs_one_line():
    runner = _runner()
    RandomStateHook().after_load_checkpoint(runner, {'meta': {}})
    runner.logger.warning.assert_called_once()
    assert 'holds no random state' in runner.logger.warning.call_args.args[0]


@pytest.mark.parametrize('given, expected', [
    ({}, {
        'random_state': {
            'type': 'RandomStateHook'
        }
    }),
    ({
        'random_state': None
    }, {}),
    ({
        'random_state': {
            'type': 'MyStateHook'
        }
    }, {
        'random_state': {
            'type': 'MyStateHook'
        }
    }),
])
def test_tools_turn_it_on_unless_the_config_says(given, expected):
    cfg = Config(dict(default_hooks=given))
    use_random_state_hook(cfg)
    assert cfg.default_hooks.to_dict() == expected
