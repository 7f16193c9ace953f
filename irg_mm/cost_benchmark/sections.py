# Copyright (c) irg_mm contributors. All rights reserved.
"""The three sections: each runs its workers, prints its table and judges
its targets.

Every section takes the run's :class:`Settings` and a ``measure``
callable, by default :func:`~irg_mm.cost_benchmark.workers.run_worker` (one
fresh process per measurement); any callable of the same signature can
stand in for it.

Examples:
    >>> settings = Settings(kernels=('irg', 'naive'), skip_naive_above=1000)
    >>> kernel_cases(settings, 4, 25088)[0]
    ['irg']
"""
from typing import List, Optional, Sequence, Tuple

from .kernels import KERNELS, naive_tensor_bytes
from .settings import Settings
from .steps import LAYOUT_BATCH, LAYOUT_MODELS, LAYOUT_SHAPE, PRECISIONS, STEPS
from .targets import cell, kernel_verdicts, ratio, step_verdicts
from .workers import LAYOUT_WARMUP, MEMORY_STEPS, Measure, run_worker

MIB = 2**20


def kernel_cases(settings: Settings, batch_size: int,
                 dim: int) -> Tuple[List[str], Optional[str]]:
    """The kernels to run at one ``(B, D)``, and why one was left out.

    The naive kernel is left out where one of its ``B x B x D`` tensors
    exceeds ``settings.skip_naive_above`` (autograd keeps several of them).

    Args:
        settings (Settings): The run.
        batch_size (int): ``B``.
        dim (int): ``D``.

    Returns:
        tuple[List[str], str | None]: Keys of ``KERNELS``, and the note
        for the table if naive was skipped.
    """
    impls = list(settings.kernels)
    nbytes = naive_tensor_bytes(batch_size, dim)
    if 'naive' not in impls or nbytes <= settings.skip_naive_above:
        return impls, None
    impls.remove('naive')
    return impls, (f'naive skipped at B={batch_size}, D={dim}: one B x B x D '
                   f'tensor is {nbytes / 2**30:.1f} GiB (> '
                   f'--skip-naive-above {settings.skip_naive_above})')


def kernel_section(settings: Settings,
                   measure: Measure = run_worker) -> List[str]:
    """Measure every ``(B, D, kernel)`` case.

    Args:
        settings (Settings): The run.
        measure (Callable): Runs one worker, as :func:`run_worker`.

    Returns:
        List[str]: The table's lines, its notes and the verdicts.
    """
    results, notes = {}, []
    for batch_size in settings.batch_sizes:
        for dim in settings.dims:
            impls, note = kernel_cases(settings, batch_size, dim)
            notes += [note] if note else []
            times = measure('kernel_time', settings, batch_size, dim, *impls)
            for impl in impls:
                peak = measure('kernel_memory', settings, impl, batch_size,
                               dim)
                results[batch_size, dim, impl] = dict(times[impl], **peak)
    lines = [
        f'Kernel section on {settings.device}: {settings.repeat} timed '
        'calls per kernel, the kernels of one (B, D) called in turn; ratios '
        'use the fastest call (the least disturbed on a shared machine); '
        'peak = tensor memory one call adds above its inputs (own process).',
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
    return lines + [''] + notes + kernel_verdicts(results)


def step_section(settings: Settings,
                 measure: Measure = run_worker) -> List[str]:
    """Measure every training-step variant.

    Args:
        settings (Settings): The run.
        measure (Callable): Runs one worker, as :func:`run_worker`.

    Returns:
        List[str]: The table's lines and the verdicts.
    """
    times = measure('step_time', settings, *settings.steps)
    results = {
        variant: dict(times[variant],
                      **measure('step_memory', settings, variant))
        for variant in settings.steps
    }
    kd = results.get('kd')
    side = settings.step_image_size
    lines = [
        f'Step section on {settings.device}: ResNet-50 -> ResNet-18, batch '
        f'{settings.step_batch}, {side}x{side}, '
        f'{PRECISIONS[settings.step_precision]}, {settings.step_repeat} '
        f'timed steps per variant after {settings.step_warmup} warm-up '
        'steps, the variants stepped in turn; ratios use the median; peak = '
        f'tensor memory added by building the models and training '
        f'{MEMORY_STEPS} steps (weights, gradients, SGD state, activations; '
        'own process).',
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
    return lines + [''] + step_verdicts(results)


def layout_section(settings: Settings,
                   measure: Measure = run_worker) -> List[str]:
    """Time the fast path (bfloat16, channels_last) against float32.

    Args:
        settings (Settings): The run.
        measure (Callable): Runs one worker, as :func:`run_worker`.

    Returns:
        List[str]: The table's lines.
    """
    times = measure('layout_time', settings)
    channels, side, _ = LAYOUT_SHAPE
    lines = [
        f'Layout section on {settings.device}: one training step of the '
        f'Fashion-MNIST models, batch {LAYOUT_BATCH} of {side}x{side}x'
        f'{channels}, {settings.layout_repeat} timed steps each after '
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
    'layout': layout_section,
}


def run_sections(names: Sequence[str],
                 settings: Settings,
                 measure: Measure = run_worker) -> List[str]:
    """Run sections in turn.

    Args:
        names (Sequence[str]): Keys of ``SECTIONS``.
        settings (Settings): The run.
        measure (Callable): Runs one worker, as :func:`run_worker`.

    Returns:
        List[str]: Every section's lines, each section followed by a blank
        line.
    """
    lines: List[str] = []
    for name in names:
        lines += SECTIONS[name](settings, measure) + ['']
    return lines
