# Copyright (c) irg_mm contributors. All rights reserved.
import pytest

from irg_mm.cost_benchmark.targets import (TARGETS, kernel_verdicts,
                                           step_verdicts)


@pytest.mark.parametrize('name, value, verdict', [
    ('kernel_floor', 1.3, '= 1.30 (target <= 1.30: met)'),
    ('kernel_floor', 1.31, '= 1.31 (target <= 1.30: MISSED)'),
    ('kernel_naive', 4.9, '= 4.9 (target >= 5.0: MISSED)'),
    ('step_memory', 0.05, '= 5.0% (target < 5.0%: MISSED)'),
    ('step_memory', 0.049, '= 4.9% (target < 5.0%: met)'),
    ('step_time', None, '= - (target <= 1.050: not measured)'),
])
def test_targets_judge_their_bounds(name, value, verdict):
    assert TARGETS[name].line(value).endswith(verdict)


# Runs where every plausible misreading of a label gives another number:
# the two keys differ, and so do the two denominators.
RUN = dict(min=2.0, median=3.0, peak_bytes=500)
REFERENCE = dict(min=1.0, median=4.0, peak_bytes=400)


@pytest.mark.parametrize(
    'name, line',
    [
        ('kernel_floor', 'IRG / fwd+bwd floor = 2.00'),
        ('kernel_naive', 'broadcast / IRG = 2.0'),
        ('step_time', 'step time / KD = 0.750'),
        # (500 - 400) / 500; over KD's peak it would read 25.0%.
        ('step_memory', '(peak - KD peak) / peak = 20.0%'),
    ])
def test_each_target_computes_what_its_label_says(name, line):
    assert TARGETS[name].judge(RUN, REFERENCE).startswith(line + ' (')


def test_kernel_verdicts_judge_each_batch_size_at_the_target_dim():
    results = {
        (32, 25088, 'irg'): dict(min=1.2),
        (32, 25088, 'floor_fwd_bwd'): dict(min=1.0),
        (32, 25088, 'naive'): dict(min=12.0),
        (32, 25088, 'irg_products'): dict(min=0.6),
        (32, 25088, 'irg_work'): dict(min=0.8),
        (64, 25088, 'irg'): dict(min=2.0),
        (32, 512, 'irg'): dict(min=9.0),
    }
    assert kernel_verdicts(results) == [
        'B=32, D=25088: IRG / fwd+bwd floor = 1.20 (target <= 1.30: met); '
        'broadcast / IRG = 10.0 (target >= 5.0: met); IRG / its 3 products '
        '= 2.00, products + shifts / floor = 0.80 (no targets)',
        'B=64, D=25088: IRG / fwd+bwd floor = - (target <= 1.30: not '
        'measured); broadcast / IRG = - (target >= 5.0: not measured); IRG '
        '/ its 3 products = -, products + shifts / floor = - (no targets)',
    ]


def test_step_verdicts_judge_irg_and_irg_kd_against_kd():
    results = {
        'kd': dict(median=1.0, peak_bytes=400),
        'irg': dict(median=1.04, peak_bytes=410),
    }
    assert step_verdicts(results) == [
        'IRG: step time / KD = 1.040 (target <= 1.050: met); '
        '(peak - KD peak) / peak = 2.4% (target < 5.0%: met)',
        'IRG + KD: step time / KD = - (target <= 1.050: not measured); '
        '(peak - KD peak) / peak = - (target < 5.0%: not measured)',
    ]
