# Copyright (c) irg_mm contributors. All rights reserved.
"""The sections print and judge what their workers measured; here the
workers run in this process, or canned results stand in for them."""
from typing import Callable, Dict, List, Tuple

import pytest

from irg_mm.cost_benchmark import Settings
from irg_mm.cost_benchmark.kernels import naive_tensor_bytes
from irg_mm.cost_benchmark.sections import (kernel_cases, layout_section,
                                            run_sections, step_section)
from irg_mm.cost_benchmark.workers import WORKERS

MIB = 2**20


def recording(results: Dict) -> Tuple[Callable, List]:
    """A ``measure`` that answers from ``results[worker]`` (a callable
    takes the case), and the list of its calls."""
    calls = []

    def measure(worker, settings, *case):
        calls.append((worker, *case))
        result = results[worker]
        return result(*case) if callable(result) else result

    return measure, calls


def test_kernel_section_runs_its_workers_and_skips_naive():
    settings = Settings(
        batch_sizes=(4, ),
        dims=(25088, ),
        repeat=1,
        kernels=('irg', 'naive', 'floor_fwd_bwd'),
        skip_naive_above=1000)
    in_process = {
        name: (lambda *case, worker=worker: worker(settings, *case))
        for name, worker in WORKERS.items()
    }
    measure, calls = recording(in_process)
    lines = run_sections(['kernel'], settings, measure)
    assert calls == [
        ('kernel_time', 4, 25088, 'irg', 'floor_fwd_bwd'),
        ('kernel_memory', 'irg', 4, 25088),
        ('kernel_memory', 'floor_fwd_bwd', 4, 25088),
    ]
    assert any(
        line.startswith('|    4 |  25088 | IRGEdgeLoss fwd+bwd')
        for line in lines)
    assert lines[-1] == ''
    printed = '\n'.join(lines)
    assert 'naive skipped at B=4, D=25088' in printed
    # No broadcast run at the target size: that target is not measured.
    assert 'B=4, D=25088: IRG / fwd+bwd floor = ' in printed
    assert 'broadcast / IRG = - (target >= 5.0: not measured)' in printed


@pytest.mark.parametrize('batch_size, dim', [(3, 5), (4, 25088), (7, 2)])
def test_skip_naive_above_compares_with_one_naive_tensor(batch_size, dim):
    # Equal to one B x B x D tensor runs naive, one byte less skips it.
    nbytes = naive_tensor_bytes(batch_size, dim)
    settings = Settings(kernels=('irg', 'naive'), skip_naive_above=nbytes)
    assert kernel_cases(settings, batch_size, dim) == (['irg', 'naive'], None)
    settings = Settings(kernels=('irg', 'naive'), skip_naive_above=nbytes - 1)
    impls, note = kernel_cases(settings, batch_size, dim)
    assert impls == ['irg']
    assert note.startswith(f'naive skipped at B={batch_size}, D={dim}')


def test_step_section_prints_table_and_targets():
    peaks = dict(student=300, kd=400, irg=410, irg_kd=440)
    measure, calls = recording({
        'step_time': {
            'student': dict(median=0.5, min=0.45),
            'kd': dict(median=1.0, min=0.9),
            'irg': dict(median=1.04, min=0.95),
            'irg_kd': dict(median=1.1, min=1.0),
        },
        'step_memory':
        lambda v: dict(peak_bytes=peaks[v] * MIB),
    })
    lines = step_section(
        Settings(step_batch=2, step_image_size=32, step_repeat=1), measure)
    # One timing run steps the variants in turn; memory, a run each.
    assert calls == [('step_time', *peaks)] + [('step_memory', variant)
                                               for variant in peaks]
    assert lines[0].startswith('Step section on cpu: ResNet-50 -> '
                               'ResNet-18, batch 2, 32x32, float32, 1 timed')
    assert lines[2:] == [
        '| variant      | median (s) | min (s) | x KD  | peak (MiB) |'
        ' vs KD (MiB) |',
        '|:-------------|-----------:|--------:|------:|-----------:|'
        '------------:|',
        '| student only |      0.500 |   0.450 | 0.500 |      300.0 |'
        '      -100.0 |',
        '| KD           |      1.000 |   0.900 | 1.000 |      400.0 |'
        '        +0.0 |',
        '| IRG          |      1.040 |   0.950 | 1.040 |      410.0 |'
        '       +10.0 |',
        '| IRG + KD     |      1.100 |   1.000 | 1.100 |      440.0 |'
        '       +40.0 |',
        '',
        'IRG: step time / KD = 1.040 (target <= 1.050: met); '
        '(peak - KD peak) / peak = 2.4% (target < 5.0%: met)',
        'IRG + KD: step time / KD = 1.100 (target <= 1.050: MISSED); '
        '(peak - KD peak) / peak = 9.1% (target < 5.0%: MISSED)',
    ]


def test_step_section_without_kd_reports_targets_not_measured():
    measure, _ = recording({
        'step_time': {
            'irg': dict(median=1.0, min=1.0)
        },
        'step_memory': dict(peak_bytes=MIB),
    })
    lines = step_section(Settings(steps=('irg', )), measure)
    assert '| IRG          |      1.000 |   1.000 |     - |        1.0 |' \
           '           - |' in lines
    assert ('IRG: step time / KD = - (target <= 1.050: not measured); '
            '(peak - KD peak) / peak = - (target < 5.0%: not measured)'
            in lines)


def test_layout_section_prints_every_model_and_precision():
    medians = {
        'student/fp32': 0.040,
        'student/bf16': 0.020,
        'student/bf16_cl': 0.016,
        'teacher/fp32': 0.080,
        'teacher/bf16': 0.100,
        'teacher/bf16_cl': 0.064,
    }
    measure, calls = recording({
        'layout_time': {
            key: dict(median=median, min=median / 2)
            for key, median in medians.items()
        }
    })
    lines = layout_section(Settings(layout_repeat=1), measure)
    assert calls == [('layout_time', )]
    # images / s is the batch of 64 over the median; the speed is each
    # model's float32 median over this row's.
    assert lines[2:] == [
        '| model | precision | median (ms) | images / s | x float32 speed |',
        '|:--|:--|--:|--:|--:|',
        '| student | float32 | 40.0 | 1600 | 1.00 |',
        '| student | bfloat16 autocast | 20.0 | 3200 | 2.00 |',
        '| student | bfloat16 + channels_last | 16.0 | 4000 | 2.50 |',
        '| teacher | float32 | 80.0 | 800 | 1.00 |',
        '| teacher | bfloat16 autocast | 100.0 | 640 | 0.80 |',
        '| teacher | bfloat16 + channels_last | 64.0 | 1000 | 1.25 |',
    ]
