# Copyright (c) irg_mm contributors. All rights reserved.
"""The sections of ``benchmark.py``: run the workers of each, print its
table, and check its results against ``TARGETS``, the one place the
targets are declared (docs/benchmark.md quotes them).

Example:
    >>> TARGETS['kernel_floor'].line(1.1)
    'IRG / fwd+bwd floor = 1.10 (target <= 1.30: met)'
"""
import argparse
import operator
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Tuple

from benchmark_cases import (KERNELS, LAYOUT_BATCH, LAYOUT_MODELS,
                             LAYOUT_SHAPE, LAYOUT_WARMUP, MEMORY_STEPS,
                             PRECISIONS, STEPS, naive_tensor_bytes)
from benchmark_harness import run_worker

SCRIPT = osp.join(osp.dirname(osp.abspath(__file__)), 'benchmark.py')
MIB = 2**20
COMPARISONS = {'<=': operator.le, '<': operator.lt, '>=': operator.ge}


class Target(NamedTuple):
    """A bound that one measured ratio must meet.

    Args:
        name (str): The ratio, as the verdict line names it.
        comparison (str): ``'<='``, ``'<'`` or ``'>='``: how the ratio
            must compare with ``bound``.
        bound (float): The threshold.
        fmt (str): Format of the ratio and the bound in the line.
    """
    name: str
    comparison: str
    bound: float
    fmt: str

    def line(self, value: Optional[float]) -> str:
        """The verdict line: the value, the target, and whether it is met.

        Args:
            value (float, optional): The measured ratio; None if one of its
                runs was not measured.

        Returns:
            str: ``'NAME = VALUE (target OP BOUND: met|MISSED|not
            measured)'``.
        """
        if value is None:
            shown, verdict = '-', 'not measured'
        else:
            met = COMPARISONS[self.comparison](value, self.bound)
            shown, verdict = format(value,
                                    self.fmt), 'met' if met else ('MISSED')
        return (f'{self.name} = {shown} (target {self.comparison} '
                f'{format(self.bound, self.fmt)}: {verdict})')


# The kernel targets hold at D = TARGET_DIM, ResNet-18's layer4 flattened.
TARGET_DIM = 25088
TARGETS = {
    'kernel_floor': Target('IRG / fwd+bwd floor', '<=', 1.3, '.2f'),
    'kernel_naive': Target('broadcast / IRG', '>=', 5.0, '.1f'),
    'step_time': Target('step time / KD', '<=', 1.05, '.3f'),
    'step_memory': Target('extra memory vs KD peak', '<', 0.05, '.1%'),
}


def worker_options(args: argparse.Namespace) -> List[str]:
    """The command-line options a worker process needs from this one."""
    return [
        '--device', args.device, '--repeat',
        str(args.repeat), '--step-batch',
        str(args.step_batch), '--step-image-size',
        str(args.step_image_size), '--step-warmup',
        str(args.step_warmup), '--step-repeat',
        str(args.step_repeat), '--step-precision', args.step_precision,
        '--layout-repeat',
        str(args.layout_repeat)
    ]


def measure(args: argparse.Namespace, worker: str, *case) -> Dict:
    """Run one worker of ``benchmark.py`` in a fresh process."""
    return run_worker(SCRIPT, worker_options(args), worker, *case)


def ratio(numerator: Optional[Dict], denominator: Optional[Dict],
          key: str) -> Optional[float]:
    """``numerator[key] / denominator[key]``, None if either is missing."""
    if not numerator or not denominator:
        return None
    return numerator[key] / denominator[key]


def cell(value: Optional[float], fmt: str) -> str:
    """A table cell, ``-`` for a missing value."""
    return '-' if value is None else format(value, fmt)


# ----------------------------------------------------------------------------
# Kernel section
# ----------------------------------------------------------------------------
def kernel_targets(results: Dict[tuple, Dict]) -> List[str]:
    """One line per batch size at ``TARGET_DIM`` checking both kernel
    targets (on the fastest calls)."""
    lines = []
    for batch_size, dim in sorted({case[:2] for case in results}):
        if dim != TARGET_DIM:
            continue

        def result(impl: str) -> Optional[Dict]:
            return results.get((batch_size, dim, impl))

        irg, floor_fwd_bwd = result('irg'), result('floor_fwd_bwd')
        floor = ratio(irg, floor_fwd_bwd, 'min')
        speedup = ratio(result('naive'), irg, 'min')
        products = ratio(irg, result('irg_products'), 'min')
        bound = ratio(result('irg_work'), floor_fwd_bwd, 'min')
        lines.append(f'B={batch_size}, D={dim}: '
                     f'{TARGETS["kernel_floor"].line(floor)}; '
                     f'{TARGETS["kernel_naive"].line(speedup)}; IRG / its '
                     f'3 products = {cell(products, ".2f")}, products + '
                     f'shifts / floor = {cell(bound, ".2f")} (no targets)')
    return lines


def kernel_cases(args: argparse.Namespace, batch_size: int,
                 dim: int) -> Tuple[List[str], Optional[str]]:
    """The kernels to run at one (B, D), and why one was left out.

    The naive kernel is left out where one of its ``B x B x D`` tensors
    exceeds ``--skip-naive-above`` (autograd keeps several of them).

    Returns:
        tuple[List[str], str | None]: Keys of ``KERNELS``, and the note
        for the table if naive was skipped.
    """
    impls = list(args.kernels)
    nbytes = naive_tensor_bytes(batch_size, dim)
    if 'naive' not in impls or nbytes <= args.skip_naive_above:
        return impls, None
    impls.remove('naive')
    return impls, (f'naive skipped at B={batch_size}, D={dim}: one B x B x D '
                   f'tensor is {nbytes / 2**30:.1f} GiB (> '
                   f'--skip-naive-above {args.skip_naive_above})')


def kernel_section(args: argparse.Namespace) -> List[str]:
    """Measure every (B, D, kernel) case and return the table's lines."""
    results, notes = {}, []
    for batch_size in args.batch_sizes:
        for dim in args.dims:
            impls, note = kernel_cases(args, batch_size, dim)
            notes += [note] if note else []
            times = measure(args, 'kernel_time', batch_size, dim, *impls)
            for impl in impls:
                results[batch_size, dim, impl] = dict(
                    times[impl],
                    **measure(args, 'kernel_memory', impl, batch_size, dim))
    lines = [
        f'Kernel section on {args.device}: {args.repeat} timed calls per '
        'kernel, the kernels of one (B, D) called in turn; ratios use the '
        'fastest call (the least disturbed on a shared machine); peak = '
        'tensor memory one call adds above its inputs (own process).',
        '',
        '|    B |      D | kernel                 | median (ms) | min (ms) |'
        ' x fwd+bwd floor | x fwd floor | peak (MiB) |',
        '|-----:|-------:|:-----------------------|------------:|---------:|'
        '----------------:|------------:|-----------:|',
    ]
    for (batch_size, dim, impl), result in results.items():
        floors = [
            ratio(result, results.get((batch_size, dim, floor)), 'min')
            for floor in ('floor_fwd_bwd', 'floor_fwd')
        ]
        lines.append(
            f'| {batch_size:4d} | {dim:6d} | {KERNELS[impl]:22s} |'
            f' {result["median"] * 1e3:11.2f} | {result["min"] * 1e3:8.2f} |'
            f' {cell(floors[0], "15.2f"):>15s} |'
            f' {cell(floors[1], "11.2f"):>11s}'
            f' | {result["peak_bytes"] / MIB:10.1f} |')
    return lines + [''] + notes + kernel_targets(results)


# ----------------------------------------------------------------------------
# Step section
# ----------------------------------------------------------------------------
def step_targets(results: Dict[str, Dict]) -> List[str]:
    """Lines checking the step-time (medians) and extra-memory targets."""
    kd = results.get('kd')
    lines = []
    for variant in ('irg', 'irg_kd'):
        result = results.get(variant)
        extra = None
        if result and kd:
            extra = 1 - kd['peak_bytes'] / result['peak_bytes']
        lines.append(
            f'{STEPS[variant]}: '
            f'{TARGETS["step_time"].line(ratio(result, kd, "median"))}; '
            f'{TARGETS["step_memory"].line(extra)}')
    return lines


def step_section(args: argparse.Namespace) -> List[str]:
    """Measure every training-step variant and return the table's lines."""
    times = measure(args, 'step_time', *args.steps)
    results = {
        variant: dict(times[variant], **measure(args, 'step_memory', variant))
        for variant in args.steps
    }
    kd = results.get('kd')
    lines = [
        f'Step section on {args.device}: ResNet-50 -> ResNet-18, batch '
        f'{args.step_batch}, {args.step_image_size}x{args.step_image_size}, '
        f'{PRECISIONS[args.step_precision]}, '
        f'{args.step_repeat} timed steps per variant after '
        f'{args.step_warmup} warm-up steps, the variants stepped in turn; '
        'ratios use the median; peak = tensor memory added by building the '
        f'models and training {MEMORY_STEPS} steps (weights, gradients, SGD '
        'state, activations; own process).',
        '',
        '| variant      | median (s) | min (s) | x KD  | peak (MiB) |'
        ' vs KD (MiB) |',
        '|:-------------|-----------:|--------:|------:|-----------:|'
        '------------:|',
    ]
    for variant, result in results.items():
        extra = (result['peak_bytes'] - kd['peak_bytes']) / MIB if kd else None
        lines.append(f'| {STEPS[variant]:12s} | {result["median"]:10.3f} |'
                     f' {result["min"]:7.3f} |'
                     f' {cell(ratio(result, kd, "median"), "5.3f"):>5s} |'
                     f' {result["peak_bytes"] / MIB:10.1f} |'
                     f' {cell(extra, "+11.1f"):>11s} |')
    return lines + [''] + step_targets(results)


# ----------------------------------------------------------------------------
# Layout section
# ----------------------------------------------------------------------------
def layout_section(args: argparse.Namespace) -> List[str]:
    """Time the fast path against float32 and return the table's lines."""
    times = measure(args, 'layout_time')
    channels, side, _ = LAYOUT_SHAPE
    lines = [
        f'Layout section on {args.device}: one training step of the '
        f'Fashion-MNIST models, batch {LAYOUT_BATCH} of {side}x{side}x'
        f'{channels}, {args.layout_repeat} timed steps each after '
        f'{LAYOUT_WARMUP} warm-up steps, all six stepped in turn in one '
        'process; ratios use the median.',
        '',
        '| model | precision | median (ms) | images / s | x float32 speed |',
        '|:--|:--|--:|--:|--:|',
    ]
    for name in LAYOUT_MODELS:
        fp32 = times[f'{name}/fp32']['median']
        for precision, label in PRECISIONS.items():
            median = times[f'{name}/{precision}']['median']
            lines.append(f'| {name} | {label} | {median * 1e3:.1f} | '
                         f'{LAYOUT_BATCH / median:.0f} | '
                         f'{fp32 / median:.2f} |')
    return lines


SECTIONS = {
    'kernel': kernel_section,
    'step': step_section,
    'layout': layout_section
}
