# Copyright (c) irg_mm contributors. All rights reserved.
"""A grid's results as a model zoo shows them: the rows of a config
folder's README and the ``Top 1 Accuracy`` of each metafile entry."""
import os.path as osp
from typing import Dict, Sequence

import numpy as np

from .report import (GridResults, RunResult, labels_of, mean_std,
                     paired_difference, score, setting_labels)

ZOO_HEAD = ('| Method | Teacher | Student | Top-1 (student) | Top-1 (teacher) '
            '| Top-1 (student alone) | vs. student alone (95% CI) | Config |')


def model_name(config: str, suffix: str = '') -> str:
    """A metafile entry's ``Name``: the config's file name, without
    ``.py``, and the spec's suffix.

    Examples:
        >>> model_name('configs/fashion_mnist/kd_r20.py', '_tuned')
        'kd_r20_tuned'
    """
    return osp.splitext(osp.basename(config))[0] + suffix


def _scores(results: Sequence[RunResult], method: str) -> list:
    return [score(r) for r in results if r.method == method]


def zoo_rows(results: GridResults, spec) -> str:
    """One README row per distillation method: its top-1 over seeds, the
    teacher's and the student alone's, the paired difference and the
    config, under ``spec.model_zoo``'s teacher and student names.

    Args:
        results (GridResults): What the grid's log dir holds.
        spec: The grid spec, with ``model_zoo = dict(teacher=...,
            student=...)``; with ``configs='folder'`` besides, each row links
            ``folder/<model_name>.py`` (e.g. a tuned config) instead of the
            method's own config.

    Returns:
        str: The rows, one line each, in the spec's method order; a tuned
        method's label names its chosen setting.
    """
    labels = setting_labels(labels_of(spec), results.choices)
    folder = spec.model_zoo.get('configs')
    suffix = spec.model_zoo.get('name_suffix', '')
    teacher = f'{score(results.teacher):.2f}' if results.teacher else ''
    baseline = _scores(results.finals, spec.baseline)
    rows = []
    for method, entry in spec.methods.items():
        runs = _scores(results.finals, method)
        if method == spec.baseline or not runs:
            continue
        delta = paired_difference(results.finals, method, spec.baseline)
        cells = [
            labels[method], spec.model_zoo.teacher, spec.model_zoo.student,
            f'{mean_std(runs)} ({len(runs)} seeds)', teacher,
            mean_std(baseline) if baseline else '',
            '' if delta is None else str(delta),
            f'[config](./{folder}/{model_name(entry.config, suffix)}.py)'
            if folder else f'[config](./{osp.basename(entry.config)})'
        ]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows) + '\n'


def metafile_top1(results: GridResults, spec) -> Dict[str, float]:
    """Each metafile entry's ``Top 1 Accuracy``: the mean over seeds,
    rounded to two decimals, by :func:`model_name` (teacher included).

    Args:
        results (GridResults): What the grid's log dir holds.
        spec: The grid spec; ``model_zoo.name_suffix`` (default ``''``)
            ends every name.

    Returns:
        Dict[str, float]: ``{name: top-1 %}`` of every run the logs hold.
    """
    suffix = spec.model_zoo.get('name_suffix', '')
    top1 = {}
    if results.teacher:
        top1[model_name(spec.teacher.config,
                        suffix)] = round(score(results.teacher), 2)
    for method, entry in spec.methods.items():
        runs = _scores(results.finals, method)
        if runs:
            top1[model_name(entry.config,
                            suffix)] = round(float(np.mean(runs)), 2)
    return top1
