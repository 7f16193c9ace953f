# Copyright (c) irg_mm contributors. All rights reserved.
"""Tables of a grid: means over seeds, paired differences, the tuning and
the ablation."""
import json
import math
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
        kind (str): ``'teacher'``, ``'tune'``, ``'final'`` or
            ``'ablation'``. Defaults to ``'final'``.
        setting (str, optional): The sweep setting it trained. Defaults to
            None.
        failed (bool): A tuning run that failed (its ``val_top1`` is nan).
            Defaults to False.
    """
    method: str
    seed: int
    val_top1: float
    test_top1: Optional[float]
    train_seconds: float
    kind: str = 'final'
    setting: Optional[str] = None
    failed: bool = False


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


def mean_std(values: List[float]) -> str:
    """``'mean +- std'`` of ``values`` (std 0 for one value).

    Examples:
        >>> mean_std([90.0, 91.0])
        '90.50 +- 0.71'
    """
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
            cells.append(mean_std([r.test_top1 for r in runs]))
        cells.append(mean_std([r.val_top1 for r in runs]))
        delta = None if method in (baseline, 'teacher') else \
            paired_difference(results, method, baseline)
        cells += [
            '' if delta is None else str(delta),
            '' if delta is None else f'{delta.higher}/{delta.runs}',
            str(len(runs)), f'{np.mean([r.train_seconds for r in runs]):.0f} s'
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
    head = [
        '| comparison | difference (95% CI) | higher on |', '|---|---|---|'
    ]
    return '\n'.join(head + rows) + '\n'


class GridResults(NamedTuple):
    """Everything a grid's log dir holds, as the tables use it.

    Args:
        teacher (RunResult, optional): The teacher's run.
        finals (List[RunResult]): Final runs of the current teacher file.
        tuning (List[RunResult]): Every finished tuning run.
        choices (Dict[str, str]): The chosen setting of each method whose
            tuning has finished.
        ablations (List[RunResult]): Ablation runs of the current teacher
            file.
        grad_shares (Dict[Tuple[str, str], dict]): What each gradient-share
            run measured, by method and setting.
        machines (Dict[str, int]): CPU model -> number of final and
            ablation runs it made (runs that did not record one are not
            counted).
        stale (int): Final and ablation runs left out because another
            teacher file distilled them.
        tuning_machines (Dict[str, int]): CPU model -> number of tuning runs
            it made (their teacher file may differ between CPUs).
    """
    teacher: Optional[RunResult]
    finals: List[RunResult]
    tuning: List[RunResult] = []
    choices: Dict[str, str] = {}
    ablations: List[RunResult] = []
    grad_shares: Dict[Tuple[str, str], dict] = {}
    machines: Dict[str, int] = {}
    stale: int = 0
    tuning_machines: Dict[str, int] = {}


def _cell(value: float) -> str:
    return 'failed' if math.isnan(value) else f'{value:.2f}'


def tuning_table(tuning: Sequence[RunResult], labels: Dict[str, str],
                 choices: Dict[str, str]) -> str:
    """One row per method and setting: its validation top-1 on each tuning
    seed, their mean, and whether it was chosen.

    Examples:
        >>> runs = [RunResult('kd', s, v, None, 1.0, 'tune', 'w1')
        ...         for s, v in ((100, 90.0), (101, 91.0))]
        >>> print(tuning_table(runs, {'kd': 'KD'}, {'kd': 'w1'}))
        | method | setting | val top-1 % per tuning seed | mean | chosen |
        |---|---|---|---|---|
        | KD | w1 | 90.00, 91.00 | 90.50 | yes |
        <BLANKLINE>
    """
    lines = [
        '| method | setting | val top-1 % per tuning seed | mean | chosen |',
        '|---|---|---|---|---|'
    ]
    keys = dict.fromkeys((r.method, r.setting) for r in tuning)
    for method, setting in keys:
        runs = sorted(
            (r for r in tuning if (r.method, r.setting) == (method, setting)),
            key=lambda r: r.seed)
        values = [r.val_top1 for r in runs]
        chosen = 'yes' if choices.get(method) == setting else ''
        lines.append(f'| {labels.get(method, method)} | {setting} | '
                     f'{", ".join(_cell(v) for v in values)} | '
                     f'{_cell(float(np.mean(values)))} | {chosen} |')
    return '\n'.join(lines) + '\n'


def ablation_table(ablations: Sequence[RunResult], finals: Sequence[RunResult],
                   spec) -> str:
    """One row per ablation variant: its scores and its paired difference
    to the final runs of the method it changes, on the same seeds."""
    has_test = any(r.test_top1 is not None for r in ablations)
    lines = [
        '| variant | test top-1 % | val top-1 % | vs. its method (95% CI) | '
        'higher on | runs |' if has_test else
        '| variant | val top-1 % | vs. its method (95% CI) | higher on | '
        'runs |'
    ]
    lines.append('|---' * (lines[0].count('|') - 1) + '|')
    for variant in dict.fromkeys(r.method for r in ablations):
        entry = spec.ablations[variant]
        runs = [r for r in ablations if r.method == variant]
        delta = paired_difference([*runs, *finals], variant, entry.of)
        cells = [entry.label]
        if has_test:
            cells.append(mean_std([r.test_top1 for r in runs]))
        cells += [
            mean_std([r.val_top1 for r in runs]),
            '' if delta is None else str(delta),
            '' if delta is None else f'{delta.higher}/{delta.runs}',
            str(len(runs))
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def grad_share_table(grad_shares: Dict[Tuple[str, str],
                                       dict], labels: Dict[str, str],
                     choices: Dict[str, str], defaults: Dict[str, str]) -> str:
    """One row per method and measured setting: each distillation term's
    gradient norm on the student relative to the cross-entropy's.

    Examples:
        >>> shares = {('kd', 'w1'): dict(reference='student.loss', terms={
        ...     'student.loss': dict(share=1.0, norm=2.0, samples=16),
        ...     'distill.loss_kd': dict(share=0.5, norm=1.0, samples=16)})}
        >>> print(grad_share_table(shares, {'kd': 'KD'}, {'kd': 'w1'},
        ...                        {'kd': 'w1'}))
        | method | setting | which | gradient norm / cross-entropy's |
        |---|---|---|---|
        | KD | w1 | default, chosen | loss_kd 0.500 |
        <BLANKLINE>
    """
    lines = [
        '| method | setting | which | gradient norm / cross-entropy\'s |',
        '|---|---|---|---|'
    ]
    for (method, setting), measured in grad_shares.items():
        which = [
            name for name, chosen in (('default', defaults.get(method)),
                                      ('chosen', choices.get(method)))
            if chosen == setting
        ]
        terms = ', '.join(f'{name.split(".", 1)[-1]} {entry["share"]:.3f}'
                          for name, entry in measured['terms'].items()
                          if name != measured['reference']) or 'failed'
        lines.append(f'| {labels.get(method, method)} | {setting} | '
                     f'{", ".join(which)} | {terms} |')
    return '\n'.join(lines) + '\n'


def _runs_per_machine(machines: Dict[str, int]) -> str:
    return '; '.join(f'{name}: {count} runs'
                     for name, count in machines.items())


def machines_line(results: GridResults) -> str:
    """Which CPUs made the final and ablation runs, and what was left out;
    which made the tuning runs, where they are more than one.

    Examples:
        >>> print(machines_line(GridResults(None, [], machines={'AMD': 5},
        ...     tuning_machines={'AMD': 4, 'Intel': 2})))
        Final and ablation runs made on: AMD: 5 runs.
        Tuning runs made on: AMD: 4 runs; Intel: 2 runs.
        <BLANKLINE>
    """
    lines = []
    if results.machines:
        line = ('Final and ablation runs made on: '
                f'{_runs_per_machine(results.machines)}.')
        if results.stale:
            line += (f' {results.stale} runs of another teacher file are '
                     'left out.')
        lines.append(line)
    if len(results.tuning_machines) > 1:
        lines.append('Tuning runs made on: '
                     f'{_runs_per_machine(results.tuning_machines)}.')
    return ''.join(f'{line}\n' for line in lines)


def labels_of(spec) -> Dict[str, str]:
    """Each method's label, the teacher's and each ablation variant's."""
    labels = {m: entry['label'] for m, entry in spec.methods.items()}
    labels['teacher'] = spec.teacher['label']
    labels.update({
        v: entry['label']
        for v, entry in spec.get('ablations', {}).items()
    })
    return labels


def setting_labels(labels: Dict[str, str],
                   choices: Dict[str, str]) -> Dict[str, str]:
    """The labels of a table's rows: a tuned method's names the setting it
    trained.

    Examples:
        >>> setting_labels({'kd': 'KD', 'student': 'alone'}, {'kd': 't8'})
        {'kd': 'KD [t8]', 'student': 'alone'}
    """
    return {
        method: f'{label} [{choices[method]}]' if method in choices else label
        for method, label in labels.items()
    }


def markdown_report(results: GridResults, spec) -> str:
    """The grid's tables: methods, comparisons, tuning, ablation, machines.

    Args:
        results (GridResults): What the log dir holds.
        spec: The grid spec (``methods``, ``teacher``, ``baseline``,
            ``comparisons``, ``ablations``).

    Returns:
        str: The tables, separated by blank lines, the methods first.
    """
    labels = labels_of(spec)
    row_labels = setting_labels(labels, results.choices)
    teacher = [results.teacher] if results.teacher else []
    finals = [*teacher, *results.finals]
    sections = [
        method_table(finals, row_labels, spec.baseline),
        comparison_table(finals, row_labels, spec.get('comparisons', []))
    ]
    if results.tuning:
        sections.append(tuning_table(results.tuning, labels, results.choices))
    if results.grad_shares:
        defaults = {
            m: e.sweep.get('default')
            for m, e in spec.methods.items() if 'sweep' in e
        }
        sections.append(
            grad_share_table(results.grad_shares, labels, results.choices,
                             defaults))
    if results.ablations:
        sections.append(
            ablation_table(results.ablations, results.finals, spec))
    sections.append(machines_line(results))
    return '\n'.join(section for section in sections if section)


def write_report(results: GridResults, spec, out_dir: str) -> str:
    """Write ``results.md``, ``results.json`` and the figures, and where
    the spec has ``model_zoo``, the model-zoo README's rows
    (``model_zoo.md``), the metafile's entries (``metafile.yml``) and each
    entry's top-1 (``results.json``'s ``metafile_top1``).

    Args:
        results (GridResults): What the log dir holds.
        spec: The grid spec.
        out_dir (str): Where the files go.

    Returns:
        str: The markdown, as written to ``results.md``.
    """
    from .model_zoo import metafile_entries, metafile_top1, zoo_rows
    from .plots import plot_results, plot_tuning
    markdown = markdown_report(results, spec)
    texts = {'results.md': markdown}
    zoo = 'model_zoo' in spec
    if zoo:
        texts['model_zoo.md'] = zoo_rows(results, spec)
        texts['metafile.yml'] = metafile_entries(results, spec)
    for name, text in texts.items():
        with open(osp.join(out_dir, name), 'w', encoding='utf-8') as f:
            f.write(text)
    with open(osp.join(out_dir, 'results.json'), 'w', encoding='utf-8') as f:
        json.dump(
            dict(
                teacher=results.teacher and results.teacher._asdict(),
                finals=[r._asdict() for r in results.finals],
                choices=results.choices,
                tuning=[r._asdict() for r in results.tuning],
                ablations=[r._asdict() for r in results.ablations],
                grad_shares=[
                    dict(method=m, setting=s, **measured)
                    for (m, s), measured in results.grad_shares.items()
                ],
                machines=results.machines,
                stale=results.stale,
                tuning_machines=results.tuning_machines,
                metafile_top1=metafile_top1(results, spec) if zoo else {}),
            f,
            indent=1)
    labels = labels_of(spec)
    plot_results(results.finals, labels, spec.baseline, spec.title,
                 osp.join(out_dir, 'results.png'))
    if results.tuning:
        plot_tuning(results.tuning, spec, osp.join(out_dir, 'tuning.png'))
    return markdown
