# Copyright (c) irg_mm contributors. All rights reserved.
"""Train and compare a grid of distillation methods over seeds.

A spec file (``configs/benchmarks/*.py``) names a teacher, the methods (one
config each, optionally a sweep of settings chosen on the validation
split), the seeds, the comparisons and ablations to report; see
:mod:`irg_mm.grids`. The grid resumes, and ``--table-only`` regenerates its
tables and figures from the committed per-run logs alone; ``--publish``
writes them into README, docs and the model zoo where the spec says.

Examples:
    python tools/analysis/run_benchmark.py configs/benchmarks/digits.py
    python tools/analysis/run_benchmark.py \
        configs/benchmarks/fashion_mnist_tuned.py --jobs 2
    python tools/analysis/run_benchmark.py \
        configs/benchmarks/fashion_mnist_tuned.py --table-only --publish
"""
import argparse
import os
import os.path as osp
import time
from typing import Sequence

from irg_mm.errors import ConfigError
from irg_mm.grids import GridRunner, check_spec, load_spec, write_report
from irg_mm.grids.grid_runner import RunFailed
from irg_mm.grids.plots import plot_curves
from irg_mm.grids.publish import check_targets, publish
from irg_mm.grids.report import labels_of
from irg_mm.grids.selection import SelectionError

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# Options that show part of a grid, which --publish must not write as whole.
NARROWING = ('log_dir', 'methods', 'seeds', 'cfg_options')


def parse_args(argv: Sequence[str] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'spec',
        help='grid spec, e.g. '
        'configs/benchmarks/fashion_mnist_tuned.py')
    parser.add_argument(
        '--jobs', type=int, default=2, help='student runs trained at once')
    parser.add_argument(
        '--seeds', type=int, nargs='+', help='only these final seeds')
    parser.add_argument(
        '--methods', nargs='+', help='only these methods of the spec')
    parser.add_argument(
        '--work-dir', help='where runs train (default: the spec\'s)')
    parser.add_argument(
        '--log-dir',
        help='where finished runs\' logs go (default: the '
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
    parser.add_argument(
        '--publish',
        action='store_true',
        help='write the tables and figures into the files the spec\'s '
        'publish names (README, docs, model zoo)')
    args = parser.parse_args(argv)
    narrowed = [
        f'--{name.replace("_", "-")}' for name in NARROWING
        if getattr(args, name)
    ]
    if args.publish and narrowed:
        parser.error(f'--publish shows the whole grid from the spec\'s '
                     f'log_dir; drop {" ".join(narrowed)}')
    return args


def main(argv: Sequence[str] = None) -> None:
    args = parse_args(argv)
    if args.jobs < 1:
        raise SystemExit(f'error: --jobs must be at least 1, got {args.jobs}')
    start = time.perf_counter()
    try:
        spec = load_spec(args.spec, args.work_dir, args.log_dir,
                         args.cfg_options, args.methods, args.seeds)
        check_spec(spec, REPO_ROOT)
        if args.publish:
            check_targets(spec, REPO_ROOT)
        runner = GridRunner(spec, REPO_ROOT, args.jobs)
        if not args.table_only:
            runner.run()
        results = runner.results()
        if results.teacher is None and not results.finals:
            raise ConfigError(f'no finished run in {spec.log_dir}')
        os.makedirs(spec.work_dir, exist_ok=True)
        table = write_report(results, spec, spec.work_dir)
        plot_curves(runner.curves(), labels_of(spec),
                    osp.join(spec.work_dir, 'curves.png'))
        if args.publish:
            written = publish(spec, spec.work_dir, REPO_ROOT)
            print('published into ' + ', '.join(written))
    except (ConfigError, RunFailed, SelectionError) as error:
        raise SystemExit(f'error: {error}') from None
    print()
    print(table)
    print(f'{time.perf_counter() - start:.0f} s; tables, figures and per-run '
          f'results in {spec.work_dir}/results.{{md,json,png}}, '
          'tuning.png, curves.png')


if __name__ == '__main__':
    main()
