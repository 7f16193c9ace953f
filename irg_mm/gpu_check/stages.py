# Copyright (c) irg_mm contributors. All rights reserved.
"""The GPU check's stages: what each one runs and what it requires.

Each stage takes the :class:`StageRunner` and returns its findings; see
:mod:`irg_mm.gpu_check` for what each proves.
"""
import os.path as osp
import shutil
import sys
from typing import Callable, Dict, List, Optional, Sequence

from .log_checks import (finite_losses, loss_scale, passed_tests, pytest_notes,
                         require)
from .machine import free_port
from .stage_runner import StageRunner

CONFIG = 'configs/digits/irg_resnet8-w8_resnet20_digits.py'
TRAIN = 'tools/train.py'
DIST_TRAIN = 'tools/dist_train.sh'
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
# The recipe's batch of 32 per GPU; the two widths of the kernel section.
COST_BENCHMARK = [
    'tools/analysis/cost_benchmark.py', '--device', 'cuda', '--sections',
    'kernel', 'step', '--batch-sizes', '32', '--dims', '25088', '200704',
    '--repeat', '20', '--step-batch', '32', '--step-warmup', '3',
    '--step-repeat', '10'
]
# Seconds one command may take (the budget caps them all).
TESTS_LIMIT_S = 150
DDP_TEST_LIMIT_S = 180
TRAIN_LIMIT_S = 120
BENCHMARK_LIMIT_S = 240


def quick_train(runner: StageRunner,
                name: str,
                launch: Sequence[str],
                options: Sequence[str],
                run: Optional[str] = None,
                env: Optional[Dict[str, str]] = None) -> str:
    """One quick digits run (:data:`QUICK_RUN`) without validation.

    Args:
        runner (StageRunner): Runs the command.
        name (str): The log's name, and the run's unless ``run`` is given.
        launch (Sequence[str]): The command up to the config.
        options (Sequence[str]): More ``--cfg-options``.
        run (str, optional): An earlier run's name, to go on in its work
            dir; without it the run starts in an emptied one, so that a
            rerun of the check never resumes from an earlier one. Defaults
            to None.
        env (Dict[str, str], optional): Variables to add. Defaults to None.

    Returns:
        str: The run's output.
    """
    work_dir = osp.join(runner.work_dir, run or name)
    if run is None:
        shutil.rmtree(work_dir, ignore_errors=True)
    return runner.run_logged(
        name, [
            *launch, '--no-validate', '--work-dir', work_dir, '--cfg-options',
            *QUICK_RUN, *options
        ],
        TRAIN_LIMIT_S,
        env=env)


def stage_tests(runner: StageRunner) -> List[str]:
    """The suite's CUDA tests but the DDP file (the next stage runs it)."""
    output = runner.run_logged('tests', [
        sys.executable, '-m', 'pytest', 'tests', '-m', 'cuda', '-rfEsxX', '-p',
        'no:cacheprovider', f'--ignore={DDP_TEST}'
    ], TESTS_LIMIT_S)
    return [passed_tests(output)] + pytest_notes(output)


def stage_ddp(runner: StageRunner) -> List[str]:
    """The two-rank graph test, then 2 ranks on gloo and 1 on nccl."""
    output = runner.run_logged('ddp_test', [
        sys.executable, '-m', 'pytest', DDP_TEST, '-m', 'cuda', '-p',
        'no:cacheprovider'
    ], DDP_TEST_LIMIT_S)
    findings = [
        'two gloo ranks sharing the GPU, global graph = one process on '
        f'the concatenated batch (float64): {passed_tests(output)}'
    ]
    dist_train = ['bash', DIST_TRAIN, CONFIG]
    log = quick_train(
        runner,
        'ddp_gloo', [*dist_train, '2'],
        ['train_cfg.max_epochs=2', *GLOBAL_GRAPH],
        env=dict(PORT=str(free_port())))
    findings.append(
        require(
            log, r'irg_mm: process group on gloo \(2 ranks on this '
            r'node share 1 visible GPU.*', '2 ranks, 1 GPU: gloo'))
    findings.append(
        require(
            log, r'IRGEdgeLoss: graph over \d+ instances \(global, '
            r'world size 2[^)]*\)', '2 ranks: the global graph'))
    findings += finite_losses(osp.join(runner.work_dir, 'ddp_gloo'))
    log = quick_train(
        runner,
        'ddp_nccl', [*dist_train, '1'], ['train_cfg.max_epochs=2'],
        env=dict(PORT=str(free_port())))
    findings.append(
        require(log, r'irg_mm: process group on nccl .*', '1 rank: nccl'))
    findings += finite_losses(osp.join(runner.work_dir, 'ddp_nccl'))
    return findings


def stage_amp(runner: StageRunner) -> List[str]:
    """float16 with loss scaling for 2 epochs, then resumed to 3."""
    train = [sys.executable, TRAIN, CONFIG, '--amp']
    every_epoch = 'default_hooks.checkpoint.interval=1'
    log = quick_train(runner, 'amp', train,
                      ['train_cfg.max_epochs=2', every_epoch])
    findings = [
        require(log, r"type='AmpOptimWrapper'", 'optim wrapper'),
        require(log, r"loss_scale='dynamic'", 'loss scaling'),
        require(log, r'IRGEdgeLoss: graph over .*student records in '
                r'float16\)', 'autocast reached the hook points'),
    ]
    work_dir = osp.join(runner.work_dir, 'amp')
    findings += finite_losses(work_dir)
    findings.append(loss_scale(osp.join(work_dir, 'epoch_2.pth')))
    log = quick_train(
        runner,
        'amp_resume', [*train, '--resume'],
        ['train_cfg.max_epochs=3', every_epoch],
        run='amp')
    findings.append(require(log, r'resumed epoch: 2, iter: \d+', '--resume'))
    findings += finite_losses(work_dir, after_epoch=2)
    return findings


def stage_benchmark(runner: StageRunner) -> List[str]:
    """The cost benchmark on CUDA; its tables go into the report."""
    output = runner.run_logged(
        'benchmark', [sys.executable, *COST_BENCHMARK],
        BENCHMARK_LIMIT_S,
        quote_output=True)
    return [line for line in output.splitlines() if 'target' in line]


# In the order they run by default.
STAGES: Dict[str, Callable[[StageRunner], List[str]]] = dict(
    tests=stage_tests, ddp=stage_ddp, amp=stage_amp, benchmark=stage_benchmark)
