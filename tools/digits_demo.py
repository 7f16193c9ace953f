# Copyright (c) irg_mm contributors. All rights reserved.
"""The digits demo: a teacher, then students of every method, several seeds.

Every run is ``tools/train.py`` on a config under ``configs/digits``, exactly
as an ImageNet job runs. The script trains the teacher once, then the
students (two processes at a time by default), reads each run's final
validation top-1, and writes ``results.md`` and ``results.png`` to the work
dir.

Examples:
    python tools/digits_demo.py                    # what `make demo` runs
    python tools/digits_demo.py --seeds 0 --methods baseline irg
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, NamedTuple, Sequence

import numpy as np

from irg_mm.utils import load_scalars

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEACHER_CONFIG = 'configs/digits/resnet20_digits.py'
METHOD_CONFIGS = {
    'baseline': 'configs/digits/resnet8-w8_digits.py',
    'kd': 'configs/digits/kd_resnet8-w8_resnet20_digits.py',
    'irg': 'configs/digits/irg_resnet8-w8_resnet20_digits.py',
    'irg+kd': 'configs/digits/irg-kd_resnet8-w8_resnet20_digits.py',
    'mtk': 'configs/digits/mtk_resnet8-w8_resnet20_digits.py',
}
METHOD_LABELS = {
    'teacher': 'teacher ResNet-20 (32-64-128)',
    'baseline': 'student alone (no teacher)',
    'kd': 'KD (KLDivergence, T=4)',
    'irg': 'IRG (edges + transformation)',
    'irg+kd': 'IRG + KD',
    'mtk': 'IRG MTK (logits + edges + transformation)',
}


class RunResult(NamedTuple):
    method: str
    seed: int
    top1: float
    seconds: float


def parse_args(argv: Sequence[str] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--work-dir',
        default='work_dirs/digits_demo',
        help='where runs, results.md and results.png go')
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2], help='seeds')
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=list(METHOD_CONFIGS),
        default=list(METHOD_CONFIGS),
        help='student methods to run')
    parser.add_argument(
        '--jobs', type=int, default=2, help='trainings run at once')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='extra overrides for every run, e.g. train_cfg.max_epochs=2')
    return parser.parse_args(argv)


def final_top1(work_dir: str) -> float:
    """The last ``accuracy/top1`` a run logged."""
    scores = [
        r['accuracy/top1'] for r in load_scalars(work_dir)
        if 'accuracy/top1' in r
    ]
    if not scores:
        raise RuntimeError(f'no validation result in {work_dir}')
    return scores[-1]


def train(config: str, work_dir: str, seed: int,
          cfg_options: List[str]) -> float:
    """Run tools/train.py and return its wall time; its log goes to a file."""
    os.makedirs(work_dir, exist_ok=True)
    command = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'train.py'), config, '--work-dir',
        work_dir, '--cfg-options', f'randomness.seed={seed}', *cfg_options
    ]
    # One thread per run: the runs share the machine's cores.
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO_ROOT)
    start = time.perf_counter()
    with open(osp.join(work_dir, 'train.log'), 'w') as log:
        result = subprocess.run(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    if result.returncode != 0:
        raise RuntimeError(f'training failed: {" ".join(command)}; see '
                           f'{osp.join(work_dir, "train.log")}')
    return time.perf_counter() - start


def teacher_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint'), encoding='utf-8') as f:
        return f.read().strip()


def run_all(args: argparse.Namespace) -> List[RunResult]:
    work_dir = osp.abspath(args.work_dir)
    teacher_dir = osp.join(work_dir, 'teacher')
    print(f'[1/2] training the teacher ({TEACHER_CONFIG})', flush=True)
    seconds = train(TEACHER_CONFIG, teacher_dir, 0, args.cfg_options)
    results = [RunResult('teacher', 0, final_top1(teacher_dir), seconds)]
    print(
        f'      teacher top-1 {results[0].top1:.2f} in {seconds:.0f} s',
        flush=True)
    options = [
        *args.cfg_options,
        f'model.teacher_ckpt={teacher_checkpoint(teacher_dir)}'
    ]
    jobs = [(method, seed) for seed in args.seeds for method in args.methods]
    print(
        f'[2/2] training {len(jobs)} students, {args.jobs} at a time',
        flush=True)

    def run_student(job):
        method, seed = job
        run_dir = osp.join(work_dir, method.replace('+', '-'), f'seed{seed}')
        # The baseline has no teacher, so it takes no teacher option.
        run_options = args.cfg_options if method == 'baseline' else options
        seconds = train(METHOD_CONFIGS[method], run_dir, seed, run_options)
        result = RunResult(method, seed, final_top1(run_dir), seconds)
        print(
            f'      {method:8s} seed {seed}: top-1 {result.top1:.2f} '
            f'({seconds:.0f} s)',
            flush=True)
        return result

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results.extend(pool.map(run_student, jobs))
    return results


def summarize(results: List[RunResult]) -> Dict[str, dict]:
    """Mean, std, runs and mean wall time of each method, in run order."""
    summary = {}
    for method in dict.fromkeys(r.method for r in results):
        runs = [r for r in results if r.method == method]
        top1 = np.array([r.top1 for r in runs])
        summary[method] = dict(
            mean=float(top1.mean()),
            std=float(top1.std(ddof=1)) if len(runs) > 1 else 0.0,
            runs=len(runs),
            seconds=float(np.mean([r.seconds for r in runs])))
    return summary


def markdown_table(summary: Dict[str, dict]) -> str:
    baseline = summary.get('baseline', {}).get('mean')
    lines = [
        '| method | top-1 % (mean +- std) | vs. baseline | runs | '
        'wall time / run |', '|---|---|---|---|---|'
    ]
    for method, row in summary.items():
        delta = ('' if baseline is None or method in ('teacher', 'baseline')
                 else f'{row["mean"] - baseline:+.2f}')
        lines.append(f'| {METHOD_LABELS[method]} | {row["mean"]:.2f} +- '
                     f'{row["std"]:.2f} | {delta} | {row["runs"]} | '
                     f'{row["seconds"]:.0f} s |')
    return '\n'.join(lines) + '\n'


def plot(results: List[RunResult], summary: Dict[str, dict],
         path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    methods = list(summary)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(
        range(len(methods)), [summary[m]['mean'] for m in methods],
        yerr=[summary[m]['std'] for m in methods],
        color=['#888888'] + ['#4c72b0'] * (len(methods) - 1),
        capsize=4)
    for index, method in enumerate(methods):
        seeds = [r.top1 for r in results if r.method == method]
        ax.scatter([index] * len(seeds), seeds, color='black', s=10, zorder=3)
    low = min(r.top1 for r in results)
    ax.set_ylim(max(0.0, low - 3.0), 100.0)
    ax.set_xticks(range(len(methods)), methods)
    ax.set_ylabel('val top-1 (%)')
    ax.set_title('Digits: ResNet-20 teacher -> ResNet-8 (8-16-32) student')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: Sequence[str] = None) -> None:
    args = parse_args(argv)
    start = time.perf_counter()
    results = run_all(args)
    summary = summarize(results)
    table = markdown_table(summary)
    work_dir = osp.abspath(args.work_dir)
    with open(osp.join(work_dir, 'results.md'), 'w', encoding='utf-8') as f:
        f.write(table)
    with open(osp.join(work_dir, 'results.json'), 'w', encoding='utf-8') as f:
        json.dump([r._asdict() for r in results], f, indent=1)
    plot(results, summary, osp.join(work_dir, 'results.png'))
    print()
    print(table)
    print(f'total {time.perf_counter() - start:.0f} s; table, plot and '
          f'per-run results in {work_dir}/results.{{md,png,json}}')


if __name__ == '__main__':
    main()
