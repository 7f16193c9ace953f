# Copyright (c) irg_mm contributors. All rights reserved.
"""Figures of a grid: results with their intervals, tuning curves, and the
training curves of its runs."""
import math
import textwrap
from typing import Dict, List, Sequence

import numpy as np

from .report import RunResult, score, t_half_width
from .spec import setting_value


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_results(finals: Sequence[RunResult], labels: Dict[str, str],
                 baseline: str, title: str, path: str) -> None:
    """Each method as a dot at its mean score with its 95% t interval.

    The axis spans the intervals only, so differences of tenths of a point
    show; a dashed line marks the baseline's mean.

    Args:
        finals (Sequence[RunResult]): The final runs.
        labels (Dict[str, str]): Method labels.
        baseline (str): The method the dashed line marks.
        title (str): The figure's title.
        path (str): Where the PNG goes.
    """
    plt = _pyplot()
    methods = list(dict.fromkeys(r.method for r in finals))
    scores = [
        np.array([score(r) for r in finals if r.method == m]) for m in methods
    ]
    means = [s.mean() for s in scores]
    halves = [t_half_width(s) if len(s) > 1 else 0.0 for s in scores]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(methods) + 1.2))
    rows = np.arange(len(methods))[::-1]
    ax.errorbar(means, rows, xerr=halves, fmt='o', color='#4c72b0', capsize=4)
    if baseline in methods:
        ax.axvline(
            means[methods.index(baseline)],
            color='#888888',
            linestyle='--',
            linewidth=1)
    ax.set_yticks(rows, [labels.get(m, m) for m in methods], fontsize=8)
    tested = any(r.test_top1 is not None for r in finals)
    ax.set_xlabel(('test' if tested else 'val') +
                  ' top-1 (%), mean and 95% interval over seeds')
    ax.set_title(textwrap.fill(title, 70), fontsize=9)
    ax.grid(axis='x', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_tuning(tuning: Sequence[RunResult], spec, path: str) -> None:
    """Validation top-1 against each method's swept value, one panel a
    method, one line per ``series`` value, a dot per tuning run.

    Args:
        tuning (Sequence[RunResult]): The finished tuning runs.
        spec: The grid spec; each sweep's ``x`` (and ``series``) key names
            the value its settings are plotted by.
        path (str): Where the PNG goes.
    """
    plt = _pyplot()
    methods = list(dict.fromkeys(r.method for r in tuning))
    columns = min(3, len(methods))
    lines = math.ceil(len(methods) / columns)
    fig, axes = plt.subplots(
        lines, columns, figsize=(4 * columns, 3 * lines), squeeze=False)
    for ax, method in zip(axes.flat, methods):
        sweep = spec.methods[method].sweep
        curves: Dict[object, List] = {}
        for setting, options in sweep.settings.items():
            values = [
                r.val_top1 for r in tuning
                if r.method == method and r.setting == setting and not r.failed
            ]
            if not values:
                continue
            series = setting_value(options, sweep.series) \
                if sweep.get('series') else None
            x = float(setting_value(options, sweep.x))
            curves.setdefault(series, []).append((x, values))
            ax.scatter([x] * len(values), values, s=8, color='black', zorder=3)
        for series, points in curves.items():
            points.sort()
            label = None if series is None else \
                f'{sweep.series.split(".")[-1]} = {series}'
            ax.plot([p[0] for p in points], [np.mean(p[1]) for p in points],
                    marker='o',
                    label=label)
        ax.set_xscale('log')
        ax.set_xlabel(sweep.x.split('.', 2)[-1], fontsize=7)
        ax.set_ylabel('val top-1 (%)')
        ax.set_title(spec.methods[method].label, fontsize=8)
        if any(series is not None for series in curves):
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(methods):]:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_curves(curves: Dict[str, List[dict]], labels: Dict[str, str],
                path: str) -> None:
    """Training loss by iteration and validation top-1 by epoch of every
    run, one colour a method.

    Args:
        curves (Dict[str, List[dict]]): Each run's logged scalars by run
            name (``method/...``).
        labels (Dict[str, str]): Method labels.
        path (str): Where the PNG goes.
    """
    plt = _pyplot()
    fig, (loss_ax, val_ax) = plt.subplots(1, 2, figsize=(11, 4))
    colours = {}
    for name, records in curves.items():
        method = name.split('/')[0]
        # One legend entry a method: its first run's.
        label = None if method in colours else labels.get(method, method)
        colour = colours.setdefault(method, f'C{len(colours) % 10}')
        train = [r for r in records if 'loss' in r and 'lr' in r]
        loss_ax.plot([r['iter'] for r in train], [r['loss'] for r in train],
                     color=colour,
                     alpha=0.5,
                     linewidth=0.8,
                     label=label)
        val = [r for r in records if 'accuracy/top1' in r]
        val_ax.plot([r['step'] for r in val],
                    [r['accuracy/top1'] for r in val],
                    color=colour,
                    alpha=0.6,
                    marker='.',
                    linewidth=0.8)
    loss_ax.set(
        xlabel='iteration', ylabel='training loss (all terms)', yscale='log')
    val_ax.set(xlabel='epoch', ylabel='val top-1 (%)')
    loss_ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
