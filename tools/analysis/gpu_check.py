# Copyright (c) irg_mm contributors. All rights reserved.
"""Prove irg_mm's GPU path on one CUDA GPU in minutes; write one report.

Stages, each in subprocesses, all within one time budget (8 minutes by
default, installing included):

0. install: what this Python lacks (``install_missing.py``), keeping the
   torch already there (any CUDA build >= 2.1);
1. tests: the suite's CUDA tests (``pytest tests -m cuda``) but the DDP
   file: every loss, the recorder, the connector and the distiller equal
   float64 references on the GPU, float32 maths under float16 and bfloat16
   autocast, and the host-synchronisation checks;
2. ddp: two gloo ranks sharing the GPU build the global graph exactly like
   one process on the concatenated batch
   (``tests/test_cuda/test_distributed_cuda.py``);
   ``tools/dist_train.sh CONFIG 2`` on the one GPU (gloo, and the log says
   so) and ``tools/dist_train.sh CONFIG 1`` (nccl);
3. amp: ``tools/train.py CONFIG --amp``: float16 autocast with dynamic
   loss scaling, finite IRG terms, then ``--resume`` continues the run;
4. benchmark: ``tools/analysis/benchmark.py --device cuda``, kernel and step
   sections at the recipe's batch of 32 per GPU.

The report (``WORK_DIR/report.md``) holds the machine, the versions, and
each stage's verdict, findings and commands; docs/benchmark.md quotes it.
Without CUDA it prints one line and exits with status 2; a failed stage
gives status 1.

Example:
    bash tools/gpu_check.sh
    bash tools/gpu_check.sh --pip-args "--no-index --find-links .whl"
    bash tools/gpu_check.sh --stages amp benchmark --budget-s 300
"""
import argparse
import datetime
import math
import os
import os.path as osp
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import warnings
from typing import List, NamedTuple, Optional, Sequence

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from install_missing import install_missing, installed_version  # noqa: E402

EXIT_FAILED, EXIT_NO_CUDA = 1, 2
MIN_TORCH = (2, 1)
CONFIG = 'configs/digits/irg_resnet8-w8_resnet20_digits.py'
DDP_TEST = 'tests/test_cuda/test_distributed_cuda.py'
# A few iterations of the digits demo on a random teacher: 125 images.
QUICK_RUN = [
    'model.teacher_ckpt=None', 'preflight.allow_random_teacher=True',
    'train_dataloader.dataset.train_fraction=0.1',
    'default_hooks.logger.interval=1', 'randomness.seed=0'
]
GLOBAL_GRAPH = [
    'model.distiller.edges.graph_scope=global',
    *(f'model.distiller.transforms.{i}.graph_scope=global' for i in range(2))
]
BENCHMARK = [
    'tools/analysis/benchmark.py', '--device', 'cuda', '--sections', 'kernel',
    'step', '--batch-sizes', '32', '--dims', '25088', '200704', '--repeat',
    '20', '--step-batch', '32', '--step-warmup', '3', '--step-repeat', '10'
]
# Seconds one command of a stage may take (the budget caps them all).
STAGE_LIMITS = dict(tests=150, ddp=180, amp=150, benchmark=240)
TRAIN_LIMIT = 120  # one quick training run
LOG_TAIL = 3000


class StageFailed(Exception):
    """A stage's check did not hold; the message says which."""


class StageResult(NamedTuple):
    """What one stage found."""
    name: str
    verdict: str  # PASS, FAIL or NOT RUN
    seconds: float
    findings: List[str]
    commands: List[str]
    output: str = ''  # verbatim block for the report (benchmark tables)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Check irg_mm on one CUDA GPU and write a report.')
    parser.add_argument(
        '--work-dir',
        default=osp.join(REPO_ROOT, 'work_dirs', 'gpu_check'),
        help='where runs, logs and report.md go')
    parser.add_argument(
        '--stages',
        nargs='+',
        choices=list(STAGE_LIMITS),
        default=list(STAGE_LIMITS),
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
    """One line saying why this machine cannot run the check, or None."""
    try:
        import torch
    except ImportError:
        return (f'gpu_check: torch is not installed for {sys.executable}; '
                'install a CUDA build of torch>=2.1 first')
    version = tuple(int(v) for v in re.findall(r'\d+', torch.__version__)[:2])
    if version < MIN_TORCH:
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def first_visible_gpu() -> str:
    """The first of ``CUDA_VISIBLE_DEVICES`` (or 0): the check's one GPU."""
    visible = os.environ.get('CUDA_VISIBLE_DEVICES', '').split(',')[0]
    return visible.strip() or '0'


class GPUCheck:
    """Run the stages against one deadline and collect their results.

    Args:
        args (argparse.Namespace): From :func:`parse_args`.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.start = time.monotonic()
        self.deadline = self.start + args.budget_s
        self.env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                p for p in (REPO_ROOT, os.environ.get('PYTHONPATH')) if p),
            PYTHON=sys.executable,
            PYTHONUNBUFFERED='1',
            # One GPU, so two ranks must share it (the gloo case).
            CUDA_VISIBLE_DEVICES=first_visible_gpu())
        self.commands: List[str] = []
        self.verbatim = ''  # what a stage reports as it printed it
        os.makedirs(osp.join(args.work_dir, 'logs'), exist_ok=True)

    def remaining(self) -> float:
        """Seconds left of the budget."""
        return self.deadline - time.monotonic()

    def run_logged(self, name: str, command: List[str], limit: float,
                   **env: str) -> str:
        """Run a command from the repo root; return stdout + stderr.

        The output also goes to ``WORK_DIR/logs/<name>.log``.

        Raises:
            StageFailed: If it exits non-zero or outlives ``limit`` (or the
                budget).
        """
        self.commands.append(shlex.join(command))
        timeout = max(min(limit, self.remaining()), 1)
        try:
            result = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=dict(self.env, **env),
                capture_output=True,
                text=True,
                timeout=timeout)
            output, code = result.stdout + result.stderr, result.returncode
        except subprocess.TimeoutExpired as error:
            output = ((error.stdout or b'').decode(errors='replace') +
                      (error.stderr or b'').decode(errors='replace'))
            code = f'timeout after {timeout:.0f} s'
        log = osp.join(self.args.work_dir, 'logs', f'{name}.log')
        with open(log, 'w', encoding='utf-8') as f:
            f.write(output)
        if code != 0:
            raise StageFailed(f'{name}: exit {code} (log {log}):\n'
                              f'{output[-LOG_TAIL:]}')
        return output

    def train(self,
              name: str,
              launch: List[str],
              options: Sequence[str],
              run: Optional[str] = None,
              **env: str) -> str:
        """One quick digits run in ``WORK_DIR/<run or name>``; its log.

        A fresh run (no ``run`` named) starts in an empty work dir, so a
        rerun of the check never resumes from an earlier one.
        """
        work_dir = osp.join(self.args.work_dir, run or name)
        if run is None:
            shutil.rmtree(work_dir, ignore_errors=True)
        return self.run_logged(name, [
            *launch, '--no-validate', '--work-dir', work_dir, '--cfg-options',
            *QUICK_RUN, *options
        ], TRAIN_LIMIT, **env)

    def stage_tests(self) -> List[str]:
        """The CUDA-marked tests, but the DDP file."""
        output = self.run_logged('tests', [
            sys.executable, '-m', 'pytest', 'tests', '-m', 'cuda', '-rfEsxX',
            '-p', 'no:cacheprovider', f'--ignore={DDP_TEST}'
        ], STAGE_LIMITS['tests'])
        return [passed_tests(output)] + pytest_notes(output)

    def stage_ddp(self) -> List[str]:
        """The two-rank graph test, then gloo (2 ranks) and nccl runs."""
        output = self.run_logged('ddp_test', [
            sys.executable, '-m', 'pytest', DDP_TEST, '-m', 'cuda', '-p',
            'no:cacheprovider'
        ], STAGE_LIMITS['ddp'])
        findings = [
            'two gloo ranks sharing the GPU, global graph = one process on '
            f'the concatenated batch (float64): {passed_tests(output)}'
        ]
        dist_train = ['bash', 'tools/dist_train.sh', CONFIG]
        log = self.train(
            'ddp_gloo', [*dist_train, '2'],
            ['train_cfg.max_epochs=2', *GLOBAL_GRAPH],
            PORT=str(free_port()))
        findings.append(
            require(
                log, r'irg_mm: process group on gloo \(2 ranks on this '
                r'node share 1 visible GPU.*', '2 ranks, 1 GPU: gloo'))
        findings.append(
            require(
                log, r'IRGEdgeLoss: graph over \d+ instances \(global, '
                r'world size 2[^)]*\)', '2 ranks: the global graph'))
        findings += finite_losses(osp.join(self.args.work_dir, 'ddp_gloo'))
        log = self.train(
            'ddp_nccl', [*dist_train, '1'], ['train_cfg.max_epochs=2'],
            PORT=str(free_port()))
        findings.append(
            require(log, r'irg_mm: process group on nccl .*', '1 rank: nccl'))
        findings += finite_losses(osp.join(self.args.work_dir, 'ddp_nccl'))
        return findings

    def stage_amp(self) -> List[str]:
        """float16 + loss scaling for 2 epochs, then resumed to 3."""
        train = [sys.executable, 'tools/train.py', CONFIG, '--amp']
        every_epoch = 'default_hooks.checkpoint.interval=1'
        log = self.train('amp', train, ['train_cfg.max_epochs=2', every_epoch])
        findings = [
            require(log, r"type='AmpOptimWrapper'", 'optim wrapper'),
            require(log, r"loss_scale='dynamic'", 'loss scaling'),
            require(
                log, r'IRGEdgeLoss: graph over .*student records in '
                r'float16\)', 'autocast reached the hook points'),
        ]
        work_dir = osp.join(self.args.work_dir, 'amp')
        findings += finite_losses(work_dir)
        findings.append(loss_scale(osp.join(work_dir, 'epoch_2.pth')))
        log = self.train(
            'amp_resume', [*train, '--resume'],
            ['train_cfg.max_epochs=3', every_epoch],
            run='amp')
        findings.append(
            require(log, r'resumed epoch: 2, iter: \d+', '--resume'))
        findings += finite_losses(work_dir, after_epoch=2)
        return findings

    def stage_benchmark(self) -> List[str]:
        """The CUDA benchmark; its tables go into the report verbatim."""
        output = self.run_logged('benchmark', [sys.executable, *BENCHMARK],
                                 STAGE_LIMITS['benchmark'])
        self.verbatim = output.strip()
        return [line for line in output.splitlines() if 'target' in line]

    def run_stage(self, name: str) -> StageResult:
        """Run one stage; a failure or a spent budget is reported, not
        raised: the report is the point, also of a broken stage."""
        self.commands, self.verbatim = [], ''
        started = time.monotonic()
        if self.remaining() < 10:
            return StageResult(name, 'NOT RUN', 0,
                               ['the time budget was spent'], [])
        try:
            findings = getattr(self, f'stage_{name}')()
            verdict = 'PASS'
        except StageFailed as failure:
            findings, verdict = [str(failure)], 'FAIL'
        except Exception as error:  # e.g. no run folder, unreadable file
            findings, verdict = [f'{type(error).__name__}: {error}'], 'FAIL'
        return StageResult(name, verdict,
                           time.monotonic() - started, findings, self.commands,
                           self.verbatim)


def require(log: str, pattern: str, what: str) -> str:
    """The first line of ``log`` matching ``pattern``, as a finding."""
    match = re.search(pattern, log)
    if match is None:
        raise StageFailed(f'{what}: no line matching {pattern!r} in the log')
    return f'{what}: `{match.group(0).strip()}`'


def pytest_summary(output: str) -> str:
    """pytest's closing counts, e.g. ``40 passed, 6 xfailed in 12.3s``."""
    lines = [line.strip('= ') for line in output.strip().splitlines()]
    return next((line for line in reversed(lines)
                 if re.search(r'\d+ (passed|failed|skipped|error)', line)),
                'no pytest summary line')


def passed_tests(output: str) -> str:
    """pytest's closing counts; the stage fails where no test passed (all
    skipped means the GPU was not seen)."""
    summary = pytest_summary(output)
    if not re.search(r'\d+ passed', summary):
        raise StageFailed(f'no CUDA test passed: {summary}')
    return summary


def pytest_notes(output: str) -> List[str]:
    """pytest's XFAIL / XPASS / SKIPPED / FAILED summary lines."""
    return [
        line for line in output.splitlines()
        if line.startswith(('XFAIL', 'XPASS', 'SKIPPED', 'FAILED', 'ERROR'))
    ]


def finite_losses(work_dir: str, after_epoch: int = 0) -> List[str]:
    """Check every logged loss of the latest run is finite; summarise."""
    from irg_mm.utils import load_scalars
    records = [
        r for r in load_scalars(work_dir)
        if 'loss' in r and r.get('epoch', 0) > after_epoch
    ]
    if not records:
        raise StageFailed(f'{work_dir}: no training record after epoch '
                          f'{after_epoch}')
    for record in records:
        bad = {
            k: v
            for k, v in record.items() if 'loss' in k and not math.isfinite(v)
        }
        if bad:
            raise StageFailed(f'{work_dir}: non-finite losses at iteration '
                              f'{record.get("iter")}: {bad}')
    last = records[-1]
    terms = ', '.join(f'{k} {v:.4g}' for k, v in last.items() if 'irg' in k)
    return [
        f'{osp.basename(work_dir)}: {len(records)} iterations logged (epochs '
        f'{records[0]["epoch"]}-{last["epoch"]}), every loss finite; last: '
        f'loss {last["loss"]:.4g}, {terms}'
    ]


def loss_scale(checkpoint: str) -> str:
    """The GradScaler state saved with the optimizer, as a finding."""
    from irg_mm.compat import safe_torch_load
    state = safe_torch_load(checkpoint, map_location='cpu')['optimizer']
    if 'loss_scaler' not in state:
        raise StageFailed(f'{checkpoint}: no loss_scaler in the optimizer '
                          'state, so no loss scaling ran')
    scale = state['loss_scaler']['scale']
    return (f'GradScaler state saved with the optimizer: scale {scale:g} '
            f'in {osp.basename(checkpoint)}')


def command_output(command: List[str]) -> str:
    """A short command's stdout, stripped; '' if it cannot run."""
    try:
        return subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True,
            timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ''


def machine_rows() -> List[str]:
    """Markdown table rows: GPU, driver, torch, CUDA, Python, packages."""
    import torch
    props = torch.cuda.get_device_properties(0)
    driver = command_output(
        ['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'])
    packages = ', '.join(f'{name} {installed_version(name)}'
                         for name in ('mmengine', 'mmcv', 'mmpretrain',
                                      'mmrazor'))
    return [
        f'| GPU | {props.name}, {props.total_memory / 2**30:.0f} GiB, '
        f'compute capability {props.major}.{props.minor}, driver '
        f'{driver.splitlines()[0] if driver else "unknown"} |',
        f'| torch | {torch.__version__} (CUDA {torch.version.cuda}, cuDNN '
        f'{torch.backends.cudnn.version()}) |',
        f'| Python | {platform.python_version()} ({sys.executable}) |',
        f'| OpenMMLab | {packages} |',
        f'| CPU | {os.cpu_count()} cores, {platform.machine()} |',
    ]


def git_commit() -> str:
    """The checked-out commit, and whether the tree has local changes."""
    head = command_output(['git', 'rev-parse', '--short', 'HEAD'])
    dirty = command_output(['git', 'status', '--porcelain'])
    return (head or 'unknown') + (' with local changes' if dirty else '')


def render_report(results: Sequence[StageResult], installed: List[str],
                  seconds: float, budget_s: float) -> str:
    """The markdown report."""
    date = datetime.datetime.now(datetime.timezone.utc)
    lines = [
        '# irg_mm GPU check', '',
        f'Written by `bash tools/gpu_check.sh` on {date:%Y-%m-%d %H:%M} UTC, '
        f'commit {git_commit()}, in {seconds:.0f} s (budget {budget_s:.0f} '
        's).', '', '| machine | |', '|:--|:--|', *machine_rows(), '',
        'Installed by the check: ' + (', '.join(installed) or 'nothing') + '.',
        '', '| stage | verdict | seconds |', '|:--|:--|--:|'
    ]
    lines += [f'| {r.name} | {r.verdict} | {r.seconds:.0f} |' for r in results]
    for result in results:
        lines += ['', f'## {result.name}: {result.verdict}', '']
        for finding in result.findings:
            if '\n' in finding:  # a failure with its log tail
                lines += ['```', finding, '```']
            else:
                lines.append(f'- {finding}')
        if result.output:
            lines += ['', '```', result.output, '```']
        if result.commands:
            lines += ['', 'Commands:', '', '```', *result.commands, '```']
    return '\n'.join(lines) + '\n'


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    reason = cuda_unavailable_reason()
    if reason is not None:
        print(reason, file=sys.stderr)
        return EXIT_NO_CUDA
    check = GPUCheck(args)
    try:
        installed = [] if args.no_install else install_missing(
            shlex.split(args.pip_args))
    except RuntimeError as error:
        print(f'gpu_check: installing failed: {error}', file=sys.stderr)
        return EXIT_FAILED
    results = []
    for name in args.stages:
        results.append(check.run_stage(name))
        print(
            f'gpu_check: {name}: {results[-1].verdict} '
            f'({results[-1].seconds:.0f} s)',
            flush=True)
    report = osp.join(args.work_dir, 'report.md')
    with open(report, 'w', encoding='utf-8') as f:
        f.write(
            render_report(results, installed,
                          time.monotonic() - check.start, args.budget_s))
    print(f'gpu_check: report in {report}')
    return 0 if all(r.verdict == 'PASS' for r in results) else EXIT_FAILED


if __name__ == '__main__':
    sys.exit(main())
