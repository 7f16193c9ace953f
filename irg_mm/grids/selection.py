# Copyright (c) irg_mm contributors. All rights reserved.
"""Choose a method's sweep setting from its tuning runs: validation only.

The choice reads nothing but the tuning runs' validation top-1 (tuning runs
are trained without a test split at all, see
:mod:`irg_mm.grids.grid_runner`), so the test split never takes part in a
choice.
"""
import math
from typing import Dict, Optional, Sequence

import numpy as np

from .report import RunResult


class SelectionError(RuntimeError):
    """Every setting of a sweep failed: nothing can be chosen."""


def choose_setting(settings: Sequence[str], tuning: Sequence[RunResult],
                   seeds: Sequence[int]) -> Optional[str]:
    """The setting with the highest mean validation top-1 over the tuning
    seeds, or None while any of its runs has not finished.

    A setting with a failed run cannot be chosen; a tie goes to the setting
    listed first.

    Args:
        settings (Sequence[str]): The sweep's setting names, in spec order.
        tuning (Sequence[RunResult]): The method's finished tuning runs.
        seeds (Sequence[int]): The tuning seeds.

    Returns:
        str, optional: The chosen setting's name.

    Raises:
        SelectionError: Every setting has a failed run.

    Examples:
        >>> runs = [RunResult('kd', s, v, None, 1.0, 'tune', name)
        ...         for name, s, v in (('a', 0, 90.0), ('a', 1, 91.0),
        ...                            ('b', 0, 92.0), ('b', 1, 89.0))]
        >>> choose_setting(['a', 'b'], runs, [0, 1])
        'a'
        >>> choose_setting(['a', 'b'], runs[:3], [0, 1]) is None
        True
    """
    by_key = {(r.setting, r.seed): r for r in tuning}
    if any((s, seed) not in by_key for s in settings for seed in seeds):
        return None
    means: Dict[str, float] = {}
    for setting in settings:
        runs = [by_key[setting, seed] for seed in seeds]
        if not any(r.failed for r in runs):
            means[setting] = float(np.mean([r.val_top1 for r in runs]))
    if not means or all(math.isnan(m) for m in means.values()):
        raise SelectionError(
            f'every setting of {tuning[0].method!r} failed in tuning; see '
            'the tuning table, then widen or move the sweep')
    best = max(means.values())
    return next(s for s in settings if means.get(s) == best)
