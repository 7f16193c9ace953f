# Copyright (c) irg_mm contributors. All rights reserved.
"""Prove irg_mm's GPU path on one CUDA GPU in minutes; write one report.

Installs what this Python lacks (``install_missing.py``, keeping its torch),
then runs the stages of :mod:`irg_mm.gpu_check`, all within one time budget
(8 minutes by default, installing included), and writes
``WORK_DIR/report.md``. Without CUDA it prints one line and exits with
status 2; a failed stage gives status 1.

Example:
    bash tools/gpu_check.sh
    bash tools/gpu_check.sh --pip-args "--no-index --find-links .whl"
    bash tools/gpu_check.sh --stages amp benchmark --budget-s 300
"""
import argparse
import importlib
import os.path as osp
import re
import subprocess
import sys
import time
import warnings
from typing import Optional, Sequence

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INSTALL_MISSING = osp.join(REPO_ROOT, 'tools', 'analysis',
                           'install_missing.py')
# The keys of irg_mm.gpu_check.STAGES, unimportable before the install.
STAGE_NAMES = ('tests', 'ddp', 'amp', 'benchmark')
EXIT_FAILED, EXIT_NO_CUDA = 1, 2


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check irg_mm on one CUDA GPU and write a report.')
    parser.add_argument(
        '--work-dir',
        default=osp.join(REPO_ROOT, 'work_dirs', 'gpu_check'),
        help='where runs, logs and report.md go')
    parser.add_argument(
        '--stages',
        nargs='+',
        choices=STAGE_NAMES,
        default=list(STAGE_NAMES),
        help='stages to run (install always runs unless --no-install)')
    parser.add_argument(
        '--budget-s',
        type=float,
        default=480,
        help='seconds for everything; stages left when it is spent are '
        'reported as not run')
    parser.add_argument(
        '--pip-args',
        default='',
        help='extra pip install options, e.g. "--no-index --find-links '
        '.whl" on a machine without internet')
    parser.add_argument(
        '--no-install', action='store_true', help='install nothing')
    return parser.parse_args(argv)


def cuda_unavailable_reason() -> Optional[str]:
    """One line saying why this machine cannot run the check, or None.

    It needs torch only: it runs before anything is installed.
    """
    try:
        import torch
    except ImportError:
        return (f'gpu_check: torch is not installed for {sys.executable}; '
                'install a CUDA build of torch>=2.1 first')
    version = tuple(int(v) for v in re.findall(r'\d+', torch.__version__)[:2])
    if version < (2, 1):
        return (f'gpu_check: torch {torch.__version__} is older than 2.1; '
                'install torch>=2.1')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # driver warnings: the line says it
        available = torch.cuda.is_available()
    if not available:
        return (f'gpu_check: no CUDA GPU here (torch {torch.__version__}, '
                'torch.cuda.is_available() is False); run it on a machine '
                'with an NVIDIA GPU')
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    reason = cuda_unavailable_reason()
    if reason is not None:
        print(reason, file=sys.stderr)
        return EXIT_NO_CUDA
    started = time.monotonic()  # the budget counts the install in
    installed = []
    if not args.no_install:
        # A subprocess: irg_mm cannot be imported before it is done.
        install = subprocess.run(
            [sys.executable, INSTALL_MISSING, f'--pip-args={args.pip_args}'],
            capture_output=True,
            text=True)
        if install.returncode:
            print(
                f'gpu_check: installing failed: {install.stderr.strip()}',
                file=sys.stderr)
            return EXIT_FAILED
        printed = install.stdout.strip()  # 'installed: a, b' or 'nothing ...'
        if printed.startswith('installed: '):
            installed = printed[len('installed: '):].split(', ')
    # What the install just wrote may be newer than the import system's
    # directory caches.
    importlib.invalidate_caches()
    from irg_mm import gpu_check
    runner = gpu_check.StageRunner(REPO_ROOT, args.work_dir,
                                   started + args.budget_s)
    results = []
    for name in args.stages:
        results.append(runner.run_stage(name, gpu_check.STAGES[name]))
        print(
            f'gpu_check: {name}: {results[-1].verdict} '
            f'({results[-1].seconds:.0f} s)',
            flush=True)
    report = osp.join(runner.work_dir, 'report.md')
    with open(report, 'w', encoding='utf-8') as f:
        f.write(
            gpu_check.render_report(results, installed,
                                    time.monotonic() - started, args.budget_s,
                                    gpu_check.machine_rows(),
                                    gpu_check.git_commit(REPO_ROOT)))
    print(f'gpu_check: report in {report}')
    return 0 if all(r.verdict == 'PASS' for r in results) else EXIT_FAILED


if __name__ == '__main__':
    sys.exit(main())
