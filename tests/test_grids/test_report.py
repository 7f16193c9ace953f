# Copyright (c) irg_mm contributors. All rights reserved.
"""Paired differences and tables of a benchmark grid."""
import math

import numpy as np
import pytest

from irg_mm.grids.report import (RunResult, comparison_table, method_table,
                                 paired_difference, t_half_width)


def _runs(method: str, scores, test: bool = True):
    return [
        RunResult(method, seed, score - 1.0, score if test else None, 10.0)
        for seed, score in enumerate(scores)
    ]


def test_t_interval_matches_the_t_table():
    # t(0.975, 4) = 2.7764; sd of 1..5 = 1.5811; n = 5.
    half = t_half_width(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert half == pytest.approx(2.7764 * 1.5811 / math.sqrt(5), rel=1e-4)
    assert math.isnan(t_half_width(np.array([1.0])))


def test_differences_are_paired_by_seed_on_the_test_score():
    results = _runs('a', [90.0, 91.0, 92.0]) + _runs('b', [89.0, 89.5])
    delta = paired_difference(results, 'a', 'b')
    # Seeds 0 and 1 only; deltas 1.0 and 1.5.
    assert (delta.mean, delta.runs, delta.higher) == (1.25, 2, 2)
    assert str(delta).startswith('+1.25 [')
    assert paired_difference(results, 'a', 'missing') is None


def test_without_a_test_split_the_val_score_is_compared():
    results = _runs(
        'a', [90.0, 92.0], test=False) + _runs(
            'b', [91.0, 91.0], test=False)
    assert paired_difference(results, 'a', 'b').mean == pytest.approx(0.0)
    table = method_table(results, {'a': 'A', 'b': 'B'}, 'b')
    assert 'test top-1' not in table
    assert '| A | 90.00 +- 1.41 | +0.00 [' in table


def test_tables_name_methods_by_label():
    results = _runs('a', [90.0, 91.0]) + _runs('b', [89.0, 90.5])
    labels = {'a': 'method A', 'b': 'method B'}
    table = method_table(results, labels, 'b')
    assert table.splitlines()[0].startswith(
        '| method | test top-1 % | val top-1 % | vs. method B (95% CI)')
    assert '| method A | 90.50 +- 0.71 | 89.50 +- 0.71 | +0.75 [' in table
    assert '| 2/2 | 2 | 10 s |' in table
    rows = comparison_table(results, labels, [('a', 'b')]).splitlines()
    assert rows[2].startswith('| method A - method B | +0.75 [')
    assert comparison_table(results, labels, [('a', 'missing')]) == ''
