# Copyright (c) irg_mm contributors. All rights reserved.
"""Tables of a benchmark grid: means over seeds and paired differences."""
import json
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

CONFIDENCE = 0.95


class RunResult(NamedTuple):
    """What the logs of one finished run say.

    Args:
        method (str): The spec's method name, or ``'teacher'``.
        seed (int): The run's ``randomness.seed``.
        val_top1 (float): The last validation top-1 % it logged.
        test_top1 (float, optional): Top-1 % of its final checkpoint on the
            test split, None when the grid has no test split.
        train_seconds (float): Seconds spent in training iterations.
    """
    method: str
    seed: int
    val_top1: float
    test_top1: Optional[float]
    train_seconds: float


class PairedDifference(NamedTuple):
    """``a - b`` over the seeds both methods finished."""
    mean: float
    half_width: float
    higher: int
    runs: int

    def __str__(self) -> str:
        if self.runs < 2:
            return f'{self.mean:+.2f} (1 seed)'
        return (f'{self.mean:+.2f} [{self.mean - self.half_width:+.2f}, '
                f'{self.mean + self.half_width:+.2f}]')


def score(result: RunResult) -> float:
    """The number a table ranks by: test top-1 where there is a test split,
    else val top-1."""
    return result.val_top1 if result.test_top1 is None else result.test_top1


def t_half_width(values: np.ndarray, confidence: float = CONFIDENCE) -> float:
    """Half-width of the t confidence interval of the mean of ``values``.

    Examples:
        >>> round(t_half_width(np.array([1.0, 2.0, 3.0, 4.0, 5.0])), 3)
        1.963
    """
    from scipy import stats
    if len(values) < 2:
        return float('nan')
    quantile = stats.t.ppf(0.5 + confidence / 2, df=len(values) - 1)
    return float(quantile * values.std(ddof=1) / np.sqrt(len(values)))


def paired_difference(results: Sequence[RunResult], a: str,
                      b: str) -> Optional[PairedDifference]:
    """Method ``a`` minus method ``b``, paired by seed.

    Args:
        results (Sequence[RunResult]): Every finished run.
        a (str): The method whose score is the minuend.
        b (str): The method it is compared with.

    Returns:
        PairedDifference, optional: Mean difference, its CI half-width, on
        how many seeds ``a`` scored higher, and the number of seeds; None
        when no seed has both.
    """
    by_seed = {(r.method, r.seed): score(r) for r in results}
    seeds = sorted(s for m, s in by_seed if m == a and (b, s) in by_seed)
    if not seeds:
        return None
    deltas = np.array([by_seed[a, s] - by_seed[b, s] for s in seeds])
    return PairedDifference(
        float(deltas.mean()), t_half_width(deltas), int((deltas > 0).sum()),
        len(seeds))


def _mean_std(values: List[float]) -> str:
    array = np.array(values)
    std = array.std(ddof=1) if len(array) > 1 else 0.0
    return f'{array.mean():.2f} +- {std:.2f}'


def method_table(results: Sequence[RunResult], labels: Dict[str, str],
                 baseline: str) -> str:
    """One row per method: scores over seeds and the paired difference to
    ``baseline``."""
    has_test = any(r.test_top1 is not None for r in results)
    head = '| method | test top-1 % | val top-1 % |' if has_test else \
        '| method | val top-1 % |'
    lines = [
        head + f' vs. {labels.get(baseline, baseline)} (95% CI) | '
        'higher on | runs | train time / run |',
        '|---' * (head.count('|') + 3) + '|'
    ]
    for method in dict.fromkeys(r.method for r in results):
        runs = [r for r in results if r.method == method]
        cells = [labels.get(method, method)]
        if has_test:
            cells.append(_mean_std([r.test_top1 for r in runs]))
        cells.append(_mean_std([r.val_top1 for r in runs]))
        delta = None if method in (baseline, 'teacher') else \
            paired_difference(results, method, baseline)
        cells += [
            '' if delta is None else str(delta),
            '' if delta is None else f'{delta.higher}/{delta.runs}',
            str(len(runs)),
            f'{np.mean([r.train_seconds for r in runs]):.0f} s'
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def comparison_table(results: Sequence[RunResult], labels: Dict[str, str],
                     pairs: Sequence[Tuple[str, str]]) -> str:
    """One row per ``(a, b)`` pair: ``a - b`` paired by seed; an empty
    string when no pair has a common seed yet."""
    rows = []
    for a, b in pairs:
        delta = paired_difference(results, a, b)
        if delta is not None:
            rows.append(f'| {labels.get(a, a)} - {labels.get(b, b)} | '
                        f'{delta} | {delta.higher}/{delta.runs} |')
    if not rows:
        return ''
    head = ['| comparison | difference (95% CI) | higher on |', '|---|---|---|']
    return '\n'.join(head + rows) + '\n'


def plot(results: Sequence[RunResult], labels: Dict[str, str], title: str,
         path: str) -> None:
    """Bars of the mean score per method, one dot per seed."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    methods = list(dict.fromkeys(r.method for r in results))
    scores = [[score(r) for r in results if r.method == m] for m in methods]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(
        range(len(methods)), [np.mean(s) for s in scores],
        yerr=[np.std(s, ddof=1) if len(s) > 1 else 0 for s in scores],
        color=['#888888'] + ['#4c72b0'] * (len(methods) - 1),
        capsize=4)
    for index, values in enumerate(scores):
        ax.scatter([index] * len(values), values, color='black', s=10,
                   zorder=3)
    low = min(min(s) for s in scores)
    ax.set_ylim(max(0.0, low - 3.0), min(100.0, max(max(s) for s in scores)
                                          + 1.0))
    ax.set_xticks(range(len(methods)), methods)
    has_test = any(r.test_top1 is not None for r in results)
    ax.set_ylabel(('test' if has_test else 'val') + ' top-1 (%)')
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(results: Sequence[RunResult], spec, out_dir: str) -> str:
    """Write ``results.md``, ``results.json`` and ``results.png``.

    Args:
        results (Sequence[RunResult]): Every finished run, teacher first.
        spec: The benchmark spec (``methods``, ``teacher``, ``baseline``,
            ``comparisons``, ``title``).
        out_dir (str): Where the three files go.

    Returns:
        str: The markdown, as written to ``results.md``.
    """
    labels = {m: entry['label'] for m, entry in spec.methods.items()}
    labels['teacher'] = spec.teacher['label']
    markdown = method_table(results, labels, spec.baseline)
    comparisons = comparison_table(results, labels,
                                   spec.get('comparisons', []))
    if comparisons:
        markdown += '\n' + comparisons
    with open(osp.join(out_dir, 'results.md'), 'w', encoding='utf-8') as f:
        f.write(markdown)
    with open(osp.join(out_dir, 'results.json'), 'w', encoding='utf-8') as f:
        json.dump([r._asdict() for r in results], f, indent=1)
    plot(results, labels, spec.title, osp.join(out_dir, 'results.png'))
    return markdown
