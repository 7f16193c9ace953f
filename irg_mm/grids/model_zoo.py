# Copyright (c) irg_mm contributors. All rights reserved.
"""A grid's results as a model zoo shows them: the rows of a config
folder's README and the entries of its metafile."""
import os.path as osp
from typing import Dict, List, NamedTuple, Sequence

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


class ZooModel(NamedTuple):
    """One metafile entry: its name, top-1 %, seeds and config."""
    name: str
    top1: float
    seeds: str
    config: str


def zoo_config(spec, method: str) -> str:
    """The config a method's model-zoo row and metafile entry link: with
    ``model_zoo.configs`` set, a swept method's config at its chosen
    setting in that folder beside its own config, else its own config.

    Examples:
        >>> from irg_mm.grids import load_spec
        >>> spec = load_spec('configs/benchmarks/fashion_mnist_tuned.py')
        >>> zoo_config(spec, 'kd')
        'configs/fashion_mnist/tuned/kd_resnet20-x0.25_..._tuned.py'
        >>> zoo_config(spec, 'student')
        'configs/fashion_mnist/resnet20-x0.25_fashion-mnist.py'
    """
    entry = spec.methods[method]
    folder = spec.model_zoo.get('configs')
    if folder is None or 'sweep' not in entry:
        return entry.config
    name = model_name(entry.config, spec.model_zoo.get('name_suffix', ''))
    return osp.join(osp.dirname(entry.config), folder, f'{name}.py')


def _scores(results: Sequence[RunResult], method: str) -> list:
    return [score(r) for r in results if r.method == method]


def zoo_rows(results: GridResults, spec) -> str:
    """One README row per distillation method: its top-1 over seeds, the
    teacher's and the student alone's, the paired difference and the
    config, under ``spec.model_zoo``'s teacher and student names.

    Args:
        results (GridResults): What the grid's log dir holds.
        spec: The grid spec, with ``model_zoo = dict(teacher=...,
            student=...)``; each row links :func:`zoo_config`.

    Returns:
        str: The rows, one line each, in the spec's method order; a tuned
        method's label names its chosen setting.
    """
    labels = setting_labels(labels_of(spec), results.choices)
    teacher = f'{score(results.teacher):.2f}' if results.teacher else ''
    baseline = _scores(results.finals, spec.baseline)
    rows = []
    for method, entry in spec.methods.items():
        runs = _scores(results.finals, method)
        if method == spec.baseline or not runs:
            continue
        delta = paired_difference(results.finals, method, spec.baseline)
        link = osp.relpath(zoo_config(spec, method), osp.dirname(entry.config))
        cells = [
            labels[method], spec.model_zoo.teacher, spec.model_zoo.student,
            f'{mean_std(runs)} ({len(runs)} seeds)', teacher,
            mean_std(baseline) if baseline else '',
            '' if delta is None else str(delta), f'[config](./{link})'
        ]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows) + '\n'


def zoo_models(results: GridResults, spec) -> List[ZooModel]:
    """The metafile entries of every model the logs hold: the teacher, then
    each method in the spec's order, named by :func:`model_name` with
    ``model_zoo.name_suffix`` (default ``''``), top-1 the mean over seeds
    rounded to two decimals.

    Args:
        results (GridResults): What the grid's log dir holds.
        spec: The grid spec, with ``model_zoo``.

    Returns:
        List[ZooModel]: The entries.
    """
    suffix = spec.model_zoo.get('name_suffix', '')
    models = []
    if results.teacher:
        models.append(
            ZooModel(
                model_name(spec.teacher.config, suffix),
                round(score(results.teacher), 2),
                f'1 (seed {results.teacher.seed})', spec.teacher.config))
    for method, entry in spec.methods.items():
        runs = _scores(results.finals, method)
        if runs:
            models.append(
                ZooModel(
                    model_name(entry.config, suffix),
                    round(float(np.mean(runs)), 2), str(len(runs)),
                    zoo_config(spec, method)))
    return models


def metafile_top1(results: GridResults, spec) -> Dict[str, float]:
    """``{name: top-1 %}`` of every :func:`zoo_models` entry."""
    return {model.name: model.top1 for model in zoo_models(results, spec)}


def metafile_entries(results: GridResults, spec) -> str:
    """The ``Models`` entries of a metafile, as YAML text indented to sit
    under ``Models:``, in ``model_zoo.collection`` on
    ``model_zoo.dataset``; no weights are published.

    Args:
        results (GridResults): What the grid's log dir holds.
        spec: The grid spec, with ``model_zoo``.

    Returns:
        str: One entry per :func:`zoo_models` model.
    """
    zoo = spec.model_zoo
    entries = []
    for model in zoo_models(results, spec):
        entries.append(f'''  - Name: {model.name}
    In Collection: {zoo.collection}
    Metadata:
      Training Data: {zoo.dataset}
      Seeds: {model.seeds}
    Results:
      - Task: Image Classification
        Dataset: {zoo.dataset}
        Metrics:
          Top 1 Accuracy: {model.top1:.2f}
    Config: {model.config}
    Weights: null
''')
    return ''.join(entries)
