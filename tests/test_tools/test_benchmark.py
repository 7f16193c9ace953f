# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/analysis/benchmark.py: the harness measures what it claims, the
cases run (and train) what they name, the sections print and judge it.

Sections run their workers in this process here (``in_process``); two tests
run the real subprocess protocol: on a kernel that needs no MMRazor, and on
a training step, whose fresh process imports MMRazor itself."""
import importlib.util
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO_ROOT

import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)

BENCHMARK = osp.join(REPO_ROOT, 'tools', 'analysis', 'benchmark.py')
MIB = 2**20
# The real ResNet-50 -> ResNet-18 models and hook points, on tiny images.
TINY_STEP = [
    '--step-batch', '2', '--step-image-size', '32', '--step-warmup', '0',
    '--step-repeat', '1'
]


@pytest.fixture(scope='module')
def benchmark():
    spec = importlib.util.spec_from_file_location('benchmark', BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def cases(benchmark):
    # benchmark.py put its folder on sys.path and imported its siblings.
    return sys.modules['benchmark_cases']


@pytest.fixture(scope='module')
def harness(benchmark):
    return sys.modules['benchmark_harness']


@pytest.fixture
def in_process(benchmark, cases, monkeypatch):
    """Sections call their workers here instead of in subprocesses."""
    sections = sys.modules['benchmark_sections']
    calls = []

    def measure(args, worker, *case):
        calls.append((worker, *case))
        return cases.WORKERS[worker](args, *map(str, case))

    monkeypatch.setattr(sections, 'measure', measure)
    return calls


@pytest.fixture
def canned(benchmark, monkeypatch):
    """Sections get the results in ``results[worker]`` (a callable takes
    the case) instead of running their workers; ``calls`` lists the runs."""
    sections = sys.modules['benchmark_sections']
    results, calls = {}, []

    def measure(args, worker, *case):
        calls.append((worker, *case))
        result = results[worker]
        return result(*case) if callable(result) else result

    monkeypatch.setattr(sections, 'measure', measure)
    return results, calls


# ----------------------------------------------------------------------------
# Harness
# ----------------------------------------------------------------------------
def test_interleaved_times_calls_every_run_once_a_round(harness):
    # One warm-up round in order, then timed rounds in changing orders, so
    # that no run always follows the same other run.
    order = []
    runs = {name: (lambda name=name: order.append(name)) for name in 'abc'}
    times = harness.interleaved_times(runs, 'cpu', warmup=1, repeat=6)
    rounds = [''.join(order[i:i + 3]) for i in range(0, len(order), 3)]
    assert rounds[0] == 'abc'
    assert all(sorted(timed) == list('abc') for timed in rounds[1:])
    assert len(set(rounds[1:])) > 1
    assert set(times) == set('abc')
    assert all(set(result) == {'median', 'min'} for result in times.values())


def test_peak_memory_counts_the_live_peak_inside_the_block_only(harness):
    earlier = torch.ones(2**23)  # 32 MiB, alive before the block
    with harness.PeakMemory('cpu') as memory:
        del earlier  # freeing what existed before takes nothing off
        block = torch.ones(2**22)  # 16 MiB
        del block
        block = torch.ones(2**21)  # 8 MiB, while 16 MiB were freed
        other = torch.ones(2**20)  # 4 MiB: 12 MiB live at once
    assert memory.added_bytes() == 16 * MIB
    del block, other


def test_peak_memory_is_known_once_its_block_ends(harness):
    memory = harness.PeakMemory('cpu')
    with pytest.raises(RuntimeError, match='once its `with` block'):
        memory.added_bytes()


def test_worker_process_measures_the_peak_of_a_known_allocation(
        benchmark, harness):
    # floor_fwd_bwd's one call allocates both [B, D] float32 gradients: at
    # least 32 MiB here, measured in a fresh process.
    batch_size, dim = 64, 2**16
    gradients = 2 * batch_size * dim * 4
    result = harness.run_worker(BENCHMARK, ['--device', 'cpu'],
                                'kernel_memory', 'floor_fwd_bwd', batch_size,
                                dim)
    assert gradients <= result['peak_bytes'] < 2 * gradients


def test_step_memory_worker_runs_in_a_fresh_process(harness):
    # A fresh process imports MMRazor itself: only through irg_mm's compat
    # fixes does it import on today's torch. The student's weights and
    # their gradients are in the peak.
    result = harness.run_worker(BENCHMARK, ['--device', 'cpu', *TINY_STEP],
                                'step_memory', 'student')
    resnet18_parameters = 11_689_512
    assert result['peak_bytes'] >= 2 * resnet18_parameters * 4


def test_failing_worker_raises_with_its_error(harness):
    with pytest.raises(RuntimeError, match="KeyError: 'no_such_kernel'"):
        harness.run_worker(BENCHMARK, [], 'kernel_memory', 'no_such_kernel', 4,
                           8)


# ----------------------------------------------------------------------------
# Kernel cases and section
# ----------------------------------------------------------------------------
def test_loss_kernels_give_the_same_gradient(cases):
    # IRGEdgeLoss, its maths without checks and the broadcast version are
    # three implementations of one loss.
    torch.manual_seed(0)
    teacher = torch.randn(6, 10, dtype=torch.float64)
    grads = {}
    for impl in ('irg', 'irg_maths', 'naive'):
        student = torch.randn(
            6,
            10,
            dtype=torch.float64,
            generator=torch.Generator().manual_seed(1)).requires_grad_(True)
        cases.KERNEL_BUILDERS[impl](student, teacher)()
        grads[impl] = student.grad
    assert grads['irg'].abs().sum() > 0
    torch.testing.assert_close(grads['irg_maths'], grads['irg'])
    torch.testing.assert_close(grads['naive'], grads['irg'])


def test_floor_kernel_runs_its_backward(cases):
    # d/dS sum(S T^T) = 1 T: every row is the teacher's column sum.
    student = torch.randn(3, 4, requires_grad=True)
    teacher = torch.randn(3, 4)
    cases.floor_fwd_bwd_kernel(student, teacher)()
    torch.testing.assert_close(student.grad, teacher.sum(0).expand(3, 4))


def test_products_kernel_does_the_three_products_of_the_edge_loss(cases):
    student, teacher = torch.randn(5, 7), torch.randn(5, 9)
    with torch.profiler.profile(record_shapes=True) as profile:
        cases.irg_products_kernel(student, teacher)()
    shapes = sorted(
        tuple(tuple(shape) for shape in event.input_shapes)
        for event in profile.events() if event.name == 'aten::mm')
    assert shapes == sorted([((5, 7), (7, 5)), ((5, 9), (9, 5)),
                             ((5, 5), (5, 7))])


def test_work_kernel_shifts_each_gram_input_by_its_first_instance(
        cases, monkeypatch):
    student, teacher = torch.randn(5, 7), torch.randn(5, 9)
    gram_inputs = []
    mm = torch.Tensor.__matmul__

    def recording(a, b):
        if a.shape[0] == b.shape[1] and a.shape[1] == b.shape[0]:
            gram_inputs.append(a.clone())
        return mm(a, b)

    monkeypatch.setattr(torch.Tensor, '__matmul__', recording)
    cases.KERNEL_BUILDERS['irg_work'](student, teacher)()
    assert len(gram_inputs) == 2
    torch.testing.assert_close(gram_inputs[0], student - student[:1])
    torch.testing.assert_close(gram_inputs[1], teacher - teacher[:1])


def test_kernel_time_worker_times_the_loss_on_the_case(benchmark, cases,
                                                       monkeypatch):
    from irg_mm.models import IRGEdgeLoss
    seen = []
    graph_values = IRGEdgeLoss.graph_values

    def counting(self, preds_S, preds_T):
        seen.append(tuple(preds_S.shape))
        return graph_values(self, preds_S, preds_T)

    monkeypatch.setattr(IRGEdgeLoss, 'graph_values', counting)
    args = benchmark.parse_args(['--repeat', '3'])
    times = cases.kernel_time_worker(args, '5', '7', 'irg', 'floor_fwd')
    assert set(times) == {'irg', 'floor_fwd'}
    assert all(result['min'] > 0 for result in times.values())
    # The library warm-up at 4 x 8, one untimed round, three timed ones.
    assert seen == [cases.WARMUP_SHAPE] + [(5, 7)] * 4


def test_kernel_section_prints_table_targets_and_skips_naive(
        benchmark, in_process, capsys):
    lines = benchmark.main([
        '--sections', 'kernel', '--batch-sizes', '4', '--dims', '25088',
        '--repeat', '1', '--kernels', 'irg', 'naive', 'floor_fwd_bwd',
        '--skip-naive-above', '1000'
    ])
    printed = capsys.readouterr().out
    assert printed.strip() == '\n'.join(lines).strip()
    assert in_process == [
        ('kernel_time', 4, 25088, 'irg', 'floor_fwd_bwd'),
        ('kernel_memory', 'irg', 4, 25088),
        ('kernel_memory', 'floor_fwd_bwd', 4, 25088),
    ]
    assert any(
        line.startswith('|    4 |  25088 | IRGEdgeLoss fwd+bwd')
        for line in lines)
    assert 'naive skipped at B=4, D=25088' in printed
    # No broadcast run at the target size: that target is not measured.
    assert 'B=4, D=25088: IRG / fwd+bwd floor = ' in printed
    assert 'broadcast / IRG = - (target >= 5.0: not measured)' in printed


@pytest.mark.parametrize('batch_size, dim', [(3, 5), (4, 25088), (7, 2)])
def test_naive_tensor_bytes_is_the_naive_kernels_broadcast(
        benchmark, cases, batch_size, dim):
    # The B x B x D difference that naive_kernel's edges() broadcasts.
    x = torch.rand(batch_size, dim)
    broadcast = x[:, None] - x[None]
    nbytes = broadcast.numel() * broadcast.element_size()
    assert cases.naive_tensor_bytes(batch_size, dim) == nbytes
    # --skip-naive-above compares with that size: equal runs naive, one
    # byte less skips it.
    kernel_cases = sys.modules['benchmark_sections'].kernel_cases
    args = benchmark.parse_args(['--kernels', 'irg', 'naive'])
    args.skip_naive_above = nbytes
    assert kernel_cases(args, batch_size, dim) == (['irg', 'naive'], None)
    args.skip_naive_above = nbytes - 1
    impls, note = kernel_cases(args, batch_size, dim)
    assert impls == ['irg']
    assert note.startswith(f'naive skipped at B={batch_size}, D={dim}')


@pytest.mark.parametrize('name, value, verdict', [
    ('kernel_floor', 1.3, '= 1.30 (target <= 1.30: met)'),
    ('kernel_floor', 1.31, '= 1.31 (target <= 1.30: MISSED)'),
    ('kernel_naive', 4.9, '= 4.9 (target >= 5.0: MISSED)'),
    ('step_memory', 0.05, '= 5.0% (target < 5.0%: MISSED)'),
    ('step_memory', 0.049, '= 4.9% (target < 5.0%: met)'),
    ('step_time', None, '= - (target <= 1.050: not measured)'),
])
def test_targets_judge_their_bounds(benchmark, name, value, verdict):
    targets = sys.modules['benchmark_sections'].TARGETS
    assert targets[name].line(value).endswith(verdict)


# ----------------------------------------------------------------------------
# Step and layout cases and sections
# ----------------------------------------------------------------------------
def test_step_model_cfg_swaps_only_the_distiller(cases):
    irg = cases.step_model_cfg('irg')
    kd = cases.step_model_cfg('kd')
    irg_kd = cases.step_model_cfg('irg_kd')
    assert irg['type'] == 'SingleTeacherDistill'
    assert irg['teacher_ckpt'] is None
    assert irg['distiller']['type'] == 'IRGDistiller'
    assert kd['distiller']['type'] == 'ConfigurableDistiller'
    # KD as configs/irg/irg-kd_resnet18_resnet34_imagenet.py ships it.
    assert kd['distiller']['distill_losses'] == dict(
        loss_kd=dict(type='KLDivergence', tau=1, loss_weight=3))
    assert kd['distiller']['student_recorders'] == dict(
        logits=dict(type='ModuleOutputs', source='head.fc'))
    assert irg_kd['distiller'] == dict(
        irg['distiller'],
        **{key: kd['distiller'][key]
           for key in cases.KD_KEYS})
    assert {
        key: value
        for key, value in kd.items() if key != 'distiller'
    } == {
        key: value
        for key, value in irg.items() if key != 'distiller'
    }
    assert cases.step_model_cfg('student') == irg['architecture']


@pytest.mark.parametrize('precision', ['fp32', 'bf16_cl'])
def test_step_time_worker_trains_kd_and_irg(benchmark, cases, monkeypatch,
                                            precision):
    built = {}
    make_step = cases.make_step

    def keeping(variant_cfg, args):
        step = make_step(variant_cfg, args)
        params = {
            role: [
                p.detach().clone()
                for p in getattr(step.model, role).parameters()
            ]
            for role in ('architecture', 'teacher')
        }
        built[variant_cfg['distiller']['type']] = step, params
        return step

    monkeypatch.setattr(cases, 'make_step', keeping)
    args = benchmark.parse_args(['--step-precision', precision] + TINY_STEP)
    times = cases.step_time_worker(args, 'kd', 'irg')
    assert set(times) == {'kd', 'irg'}
    expected_losses = {
        'ConfigurableDistiller': {'distill.loss_kd'},
        'IRGDistiller': {
            'distill.loss_irg_vertex', 'distill.loss_irg_edge0',
            'distill.loss_irg_transform0'
        },
    }
    for distiller, (step, before) in built.items():
        assert expected_losses[distiller] <= set(step.log_vars)
        assert all(
            torch.isfinite(value).all() for value in step.log_vars.values())
        after = {
            role: list(getattr(step.model, role).parameters())
            for role in before
        }
        assert any(
            not torch.equal(old, new)
            for old, new in zip(before['architecture'], after['architecture']))
        assert all(
            torch.equal(old, new)
            for old, new in zip(before['teacher'], after['teacher']))


def test_train_step_refuses_to_time_a_diverged_step(cases):

    class Diverged:

        def train_step(self, data, optim_wrapper):
            return dict(loss=torch.tensor(float('nan')))

    step = cases.TrainStep(Diverged(), None, {})
    step()
    with pytest.raises(RuntimeError, match=r"irg: non-finite \['loss'\]"):
        step.check_finite('irg')


def test_step_section_prints_table_and_targets(benchmark, canned, capsys):
    results, calls = canned
    results['step_time'] = {
        'student': dict(median=0.5, min=0.45),
        'kd': dict(median=1.0, min=0.9),
        'irg': dict(median=1.04, min=0.95),
        'irg_kd': dict(median=1.1, min=1.0),
    }
    peaks = dict(student=300, kd=400, irg=410, irg_kd=440)
    results['step_memory'] = lambda v: dict(peak_bytes=peaks[v] * MIB)
    lines = benchmark.main(['--sections', 'step', '--steps', *peaks] +
                           TINY_STEP)
    printed = capsys.readouterr().out
    assert printed.strip() == '\n'.join(lines).strip()
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
        # Extra memory is 1 - KD peak / IRG peak.
        'IRG: step time / KD = 1.040 (target <= 1.050: met); '
        'extra memory vs KD peak = 2.4% (target < 5.0%: met)',
        'IRG + KD: step time / KD = 1.100 (target <= 1.050: MISSED); '
        'extra memory vs KD peak = 9.1% (target < 5.0%: MISSED)',
        '',
    ]


def test_step_section_without_kd_reports_targets_not_measured(
        benchmark, canned):
    results, _ = canned
    results['step_time'] = {'irg': dict(median=1.0, min=1.0)}
    results['step_memory'] = dict(peak_bytes=MIB)
    lines = benchmark.main(['--sections', 'step', '--steps', 'irg'] +
                           TINY_STEP)
    assert '| IRG          |      1.000 |   1.000 |     - |        1.0 |' \
           '           - |' in lines
    assert ('IRG: step time / KD = - (target <= 1.050: not measured); '
            'extra memory vs KD peak = - (target < 5.0%: not measured)'
            in lines)


def test_layout_section_prints_every_model_and_precision(benchmark, canned):
    results, calls = canned
    medians = {
        'student/fp32': 0.040,
        'student/bf16': 0.020,
        'student/bf16_cl': 0.016,
        'teacher/fp32': 0.080,
        'teacher/bf16': 0.100,
        'teacher/bf16_cl': 0.064,
    }
    results['layout_time'] = {
        key: dict(median=median, min=median / 2)
        for key, median in medians.items()
    }
    lines = benchmark.main(['--sections', 'layout', '--layout-repeat', '1'])
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
        '',
    ]
