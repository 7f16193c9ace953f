# Copyright (c) irg_mm contributors. All rights reserved.
"""Choosing a sweep's setting: validation top-1 only, failures excluded."""
import pytest

from irg_mm.grids.report import RunResult
from irg_mm.grids.selection import SelectionError, choose_setting


def _tune(setting: str,
          seed: int,
          val: float,
          test: float = None,
          failed: bool = False) -> RunResult:
    return RunResult('kd', seed, val, test, 1.0, 'tune', setting, failed)


def test_the_best_mean_validation_wins_whatever_the_test_says():
    runs = [
        _tune('a', 0, 90.0, test=99.0),
        _tune('a', 1, 90.0, test=99.0),
        _tune('b', 0, 91.0, test=10.0),
        _tune('b', 1, 90.5, test=10.0)
    ]
    assert choose_setting(['a', 'b'], runs, [0, 1]) == 'b'


def test_a_tie_goes_to_the_setting_listed_first():
    runs = [_tune('a', 0, 90.0), _tune('b', 0, 90.0)]
    assert choose_setting(['b', 'a'], runs, [0]) == 'b'


def test_a_setting_with_a_failed_run_cannot_be_chosen():
    runs = [
        _tune('a', 0, 95.0),
        _tune('a', 1, float('nan'), failed=True),
        _tune('b', 0, 80.0),
        _tune('b', 1, 80.0)
    ]
    assert choose_setting(['a', 'b'], runs, [0, 1]) == 'b'
    with pytest.raises(SelectionError, match="every setting of 'kd' failed"):
        choose_setting(['a'], runs[:2], [0, 1])


def test_nothing_is_chosen_before_every_run_finished():
    assert choose_setting(['a', 'b'], [_tune('a', 0, 99.0)], [0]) is None
