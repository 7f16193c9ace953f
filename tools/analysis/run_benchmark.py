# Copyright (c) irg_mm contributors. All rights reserved.
"""Train and compare a grid of distillation methods over seeds.

A spec file (``configs/benchmarks/*.py``) names a teacher, the student
methods (one config each), the seeds and the comparisons to report. Every
run is ``tools/train.py`` on its config (then ``tools/test.py`` on the test
split when the spec asks for it), exactly as a user runs it. The teacher
trains first, then the baseline's seeds; the spec's gap rule is checked,
then the distillation runs go, ``--jobs`` at a time.

The grid resumes: a finished run is never redone, a killed run continues
from its last checkpoint. Each finished run's small logs (all logged
scalars, the test metrics, the command) are copied to the spec's
``log_dir``; the tables are computed from those files alone, so
``--table-only`` regenerates them from committed logs.

Examples:
    python tools/analysis/run_benchmark.py configs/benchmarks/digits.py
    python tools/analysis/run_benchmark.py \
        configs/benchmarks/fashion_mnist.py --jobs 2
    python tools/analysis/run_benchmark.py \
        configs/benchmarks/fashion_mnist.py --table-only
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, NamedTuple, Optional, Sequence

import numpy as np
from mmengine.config import Config

from irg_mm.utils import end_with_parent, load_scalars
from irg_mm.utils.benchmark_report import RunResult, write_report
from irg_mm.utils.cli_literals import parse_cfg_options

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOP1 = 'accuracy/top1'
TEACHER = 'teacher'


class Run(NamedTuple):
    """One training run of the grid."""
    method: str
    seed: int
    config: str
    distill: bool

    @property
    def name(self) -> str:
        return self.method if self.method == TEACHER else \
            f'{self.method}/seed{self.seed}'


def parse_args(argv: Sequence[str] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('spec', help='benchmark spec, e.g. '
                        'configs/benchmarks/fashion_mnist.py')
    parser.add_argument(
        '--jobs', type=int, default=2, help='student runs trained at once')
    parser.add_argument(
        '--seeds', type=int, nargs='+', help='only these seeds of the spec')
    parser.add_argument(
        '--methods', nargs='+', help='only these methods of the spec')
    parser.add_argument(
        '--work-dir', help='where runs train (default: the spec\'s)')
    parser.add_argument(
        '--log-dir', help='where finished runs\' logs go (default: the '
        'spec\'s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='overrides for every run, e.g. train_cfg.max_epochs=2')
    parser.add_argument(
        '--table-only',
        action='store_true',
        help='train nothing: write the tables from the logs in log_dir')
    return parser.parse_args(argv)


def load_spec(args: argparse.Namespace) -> Config:
    """The spec with the command line's choices applied and checked."""
    spec = Config.fromfile(args.spec)
    spec.work_dir = osp.abspath(args.work_dir or spec.work_dir)
    spec.log_dir = osp.abspath(args.log_dir or spec.log_dir)
    spec.cfg_options = [*spec.get('cfg_options', []), *args.cfg_options]
    for key, chosen in (('methods', args.methods), ('seeds', args.seeds)):
        if chosen is None:
            continue
        unknown = sorted(set(chosen) - set(spec[key]))
        if unknown:
            raise SystemExit(f'error: --{key} {unknown} not in the spec\'s '
                             f'{key} {list(spec[key])}')
    if args.methods is not None:
        spec.methods = {m: spec.methods[m] for m in args.methods}
    if args.seeds is not None:
        spec.seeds = args.seeds
    if spec.baseline not in spec.methods:
        spec.min_teacher_gap = None
    return spec


def grid(spec: Config) -> List[Run]:
    """The student runs, seed by seed so partial grids cover every method."""
    return [
        Run(method, seed, entry['config'], entry.get('distill', True))
        for seed in spec.seeds for method, entry in spec.methods.items()
    ]


def run_dir(spec: Config, run: Run) -> str:
    return osp.join(spec.work_dir, run.name)


def log_dir(spec: Config, run: Run) -> str:
    return osp.join(spec.log_dir, run.name)


def final_checkpoint(spec: Config, run: Run) -> str:
    """The checkpoint the run's schedule ends with."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, run.config))
    cfg.merge_from_dict(parse_cfg_options(spec.cfg_options))
    train_cfg = cfg.train_cfg
    name = (f'epoch_{train_cfg.max_epochs}.pth' if train_cfg.get(
        'by_epoch', True) else f'iter_{train_cfg.max_iters}.pth')
    return osp.join(run_dir(spec, run), name)


def call_tool(command: List[str], log_path: str, threads: int) -> None:
    """Run one tools/ command, its output appended to ``log_path``."""
    env = dict(
        os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=REPO_ROOT)
    with open(log_path, 'a', encoding='utf-8') as log:
        log.write(f'\n$ {" ".join(command)}\n')
        log.flush()
        result = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=end_with_parent)
    if result.returncode != 0:
        raise RuntimeError(f'{command[1]} failed (exit {result.returncode})'
                           f'; see {log_path}')


def run_options(spec: Config, run: Run, teacher_ckpt: Optional[str],
                seed: bool) -> List[str]:
    options = list(spec.cfg_options)
    if seed:
        options.append(f'randomness.seed={run.seed}')
    if run.distill:
        options.append(f'model.teacher_ckpt={teacher_ckpt}')
    return ['--cfg-options', *options] if options else []


def train_and_test(spec: Config, run: Run, teacher_ckpt: Optional[str],
                   threads: int) -> None:
    """Bring one run to its finished state, resuming what is there."""
    work = run_dir(spec, run)
    os.makedirs(work, exist_ok=True)
    log_path = osp.join(work, 'runner.log')
    python = sys.executable
    checkpoint = final_checkpoint(spec, run)
    if not osp.isfile(checkpoint):
        resume = ['--resume'] if any(
            name.endswith('.pth') for name in os.listdir(work)) else []
        call_tool([
            python, 'tools/train.py', run.config, '--work-dir', work,
            *spec.train_args, *resume,
            *run_options(spec, run, teacher_ckpt, seed=True)
        ], log_path, threads)
    test_metrics = osp.join(work, 'test_metrics.json')
    if spec.evaluate_test and not osp.isfile(test_metrics):
        layout = [a for a in spec.train_args if a == '--channels-last']
        call_tool([
            python, 'tools/test.py', run.config, checkpoint, '--work-dir',
            osp.join(work, 'test'), '--out', test_metrics, *layout,
            *run_options(spec, run, teacher_ckpt, seed=False)
        ], log_path, threads)
    collect_logs(spec, run)


def collect_logs(spec: Config, run: Run) -> None:
    """Copy a finished run's small logs to the log dir; the last file
    written, ``run.json``, marks the run as finished."""
    work, target = run_dir(spec, run), log_dir(spec, run)
    os.makedirs(target, exist_ok=True)
    with open(osp.join(target, 'scalars.json'), 'w', encoding='utf-8') as f:
        f.writelines(
            json.dumps(r) + '\n'
            for r in load_scalars(work, every_attempt=True))
    if spec.evaluate_test:
        shutil.copyfile(
            osp.join(work, 'test_metrics.json'),
            osp.join(target, 'test_metrics.json'))
    with open(osp.join(target, 'run.json'), 'w', encoding='utf-8') as f:
        json.dump(
            dict(
                method=run.method,
                seed=run.seed,
                config=run.config,
                train_args=list(spec.train_args),
                cfg_options=list(spec.cfg_options)),
            f,
            indent=1)


def is_finished(spec: Config, run: Run) -> bool:
    return osp.isfile(osp.join(log_dir(spec, run), 'run.json'))


def read_result(spec: Config, run: Run) -> RunResult:
    """The result of one finished run, from its logs in the log dir."""
    folder = log_dir(spec, run)
    with open(osp.join(folder, 'scalars.json'), encoding='utf-8') as f:
        records = [json.loads(line) for line in f]
    val = [r[TOP1] for r in records if TOP1 in r]
    if not val:
        raise RuntimeError(f'no validation result in {folder}/scalars.json')
    test_top1 = None
    if spec.evaluate_test:
        with open(osp.join(folder, 'test_metrics.json'),
                  encoding='utf-8') as f:
            test_top1 = json.load(f)[TOP1]
    return RunResult(run.method, run.seed, val[-1], test_top1,
                     train_seconds(records))


def train_seconds(records: List[dict]) -> float:
    """Time spent in training iterations: each logged iteration time times
    the iterations since the previous log line (start-up and validation
    excluded; an attempt's iterations redone after a resume count once)."""
    seconds, done = 0.0, 0
    for record in sorted((r for r in records if 'lr' in r),
                         key=lambda r: r['iter']):
        if record['iter'] > done:
            seconds += record['time'] * (record['iter'] - done)
            done = record['iter']
    return seconds


def teacher_run(spec: Config) -> Run:
    return Run(TEACHER, spec.teacher.get('seed', 0), spec.teacher.config,
               False)


def check_teacher_gap(spec: Config, teacher: RunResult,
                      baseline: List[RunResult]) -> None:
    """Stop before distilling when the teacher has too little to give."""
    student = float(np.mean([r.val_top1 for r in baseline]))
    gap = teacher.val_top1 - student
    if gap < spec.min_teacher_gap:
        raise SystemExit(
            f'error: the teacher beats the student alone by {gap:.2f} '
            f'points on val, less than the spec\'s min_teacher_gap '
            f'{spec.min_teacher_gap}: nothing to distil. Change the '
            f'protocol (a narrower student, fewer images or epochs).')
    print(f'gap rule: teacher {teacher.val_top1:.2f} - student alone '
          f'{student:.2f} = {gap:.2f} >= '
          f'{spec.min_teacher_gap} on val', flush=True)


def run_grid(spec: Config, jobs: int) -> None:
    """Train everything not yet finished: teacher, baseline, the rest."""
    teacher = teacher_run(spec)
    if not is_finished(spec, teacher):
        print(f'training the teacher ({teacher.config})', flush=True)
        train_and_test(spec, teacher, None, os.cpu_count() or 1)
    teacher_ckpt = final_checkpoint(spec, teacher)
    runs = grid(spec)
    first = [r for r in runs if r.method == spec.baseline]
    rest = [r for r in runs if r.method != spec.baseline]
    threads = max(1, (os.cpu_count() or 1) // jobs)

    def finish(run: Run) -> None:
        if is_finished(spec, run):
            return
        start = time.perf_counter()
        train_and_test(spec, run, teacher_ckpt, threads)
        print(f'{run.name}: done in {time.perf_counter() - start:.0f} s',
              flush=True)

    for stage in (first, rest):
        todo = [r for r in stage if not is_finished(spec, r)]
        print(f'{len(stage) - len(todo)} of {len(stage)} runs already '
              f'finished; training {len(todo)}, {jobs} at a time', flush=True)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(finish, todo))
        if stage is first and spec.min_teacher_gap is not None:
            check_teacher_gap(spec, read_result(spec, teacher),
                              [read_result(spec, r) for r in first])


def finished_results(spec: Config) -> List[RunResult]:
    """Results of every finished run in the log dir, teacher first."""
    runs = [teacher_run(spec), *grid(spec)]
    return [read_result(spec, r) for r in runs if is_finished(spec, r)]


def main(argv: Sequence[str] = None) -> None:
    args = parse_args(argv)
    spec = load_spec(args)
    if args.jobs < 1:
        raise SystemExit(f'error: --jobs must be at least 1, got {args.jobs}')
    start = time.perf_counter()
    if not args.table_only:
        try:
            run_grid(spec, args.jobs)
        except RuntimeError as error:
            raise SystemExit(f'error: {error}') from error
    results = finished_results(spec)
    if not results:
        raise SystemExit(f'error: no finished run in {spec.log_dir}')
    os.makedirs(spec.work_dir, exist_ok=True)
    table = write_report(results, spec, spec.work_dir)
    print()
    print(table)
    print(f'{time.perf_counter() - start:.0f} s; tables, plot and per-run '
          f'results in {spec.work_dir}/results.{{md,png,json}}')


if __name__ == '__main__':
    main()
