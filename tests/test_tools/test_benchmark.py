# Copyright (c) irg_mm contributors. All rights reserved.
import importlib.util
import os.path as osp

import irg_mm  # noqa: F401  (compat fixes before anything imports MMRazor)
import pytest

BENCHMARK = osp.join(
    osp.dirname(__file__), '..', '..', 'tools', 'analysis', 'benchmark.py')


@pytest.fixture(scope='module')
def benchmark():
    spec = importlib.util.spec_from_file_location('benchmark', BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kernel_section_prints_table_targets_and_skips_naive(
        benchmark, capsys):
    lines = benchmark.main([
        '--sections', 'kernel', '--batch-sizes', '4', '--dims', '25088',
        '--repeat', '1', '--kernels', 'irg', 'naive', 'floor_fwd_bwd',
        '--skip-naive-above', '1000'
    ])
    printed = capsys.readouterr().out
    assert printed.strip() == '\n'.join(lines).strip()
    assert any(
        line.startswith('|    4 |  25088 | IRGEdgeLoss fwd+bwd')
        for line in lines)
    assert 'naive skipped at B=4, D=25088' in printed
    # No broadcast run at the target size: that target is not measured.
    assert 'B=4, D=25088: IRG / fwd+bwd floor = ' in printed
    assert 'broadcast / IRG = - (target >= 5.0: not measured)' in printed


def test_kernel_workers_measure_every_kernel(benchmark):
    args = benchmark.parse_args(['--repeat', '2'])
    times = benchmark.kernel_time_worker(args, '4', '8', *benchmark.KERNELS)
    assert set(times) == set(benchmark.KERNELS)
    for result in times.values():
        assert 0 < result['min'] <= result['median']
    for impl in benchmark.KERNELS:
        memory = benchmark.kernel_memory_worker(args, impl, '4', '8')
        assert memory['peak_bytes'] >= 0


# The real ResNet-50 -> ResNet-18 models and hook points, on tiny images.
TINY_STEP = [
    '--step-batch', '2', '--step-image-size', '32', '--step-warmup', '0',
    '--step-repeat', '1'
]


def test_step_section_prints_table_and_targets(benchmark, capsys):
    # Two variants keep the subprocesses few; KD is not run, so the targets
    # that compare with it are reported as not measured.
    lines = benchmark.main(
        ['--sections', 'step', '--steps', 'student', 'irg_kd'] + TINY_STEP)
    printed = capsys.readouterr().out
    assert printed.strip() == '\n'.join(lines).strip()
    assert '| student only |' in printed
    assert '| IRG + KD     |' in printed
    assert 'IRG + KD: step time / KD = - (target <= 1.05: not measured)' in (
        printed)


def test_step_time_worker_trains_kd_and_irg(benchmark):
    args = benchmark.parse_args(TINY_STEP)
    times = benchmark.step_time_worker(args, 'kd', 'irg')
    assert set(times) == {'kd', 'irg'}
    assert all(result['min'] > 0 for result in times.values())


def test_step_model_cfg_swaps_only_the_distiller(benchmark):
    irg = benchmark.step_model_cfg('irg')
    kd = benchmark.step_model_cfg('kd')
    irg_kd = benchmark.step_model_cfg('irg_kd')
    assert irg['type'] == 'SingleTeacherDistill'
    assert irg['teacher_ckpt'] is None
    assert irg['distiller']['type'] == 'IRGDistiller'
    assert kd['distiller']['type'] == 'ConfigurableDistiller'
    assert set(irg_kd['distiller']) == (
        set(irg['distiller']) | set(benchmark.KD_PIECES))
    assert {
        key: value
        for key, value in kd.items() if key != 'distiller'
    } == {
        key: value
        for key, value in irg.items() if key != 'distiller'
    }
    student = benchmark.step_model_cfg('student')
    assert student == irg['architecture']


def test_naive_tensor_bytes(benchmark):
    # ResNet-18 layer4 flattened at B = 256: the 6.6 GB of the method notes.
    assert benchmark.naive_tensor_bytes(256, 25088) == 6576668672


def test_layout_section_prints_every_model_and_precision(benchmark, capsys):
    lines = benchmark.main(['--sections', 'layout', '--layout-repeat', '1'])
    rows = [line for line in lines if line.startswith('| student') or
            line.startswith('| teacher')]
    assert len(rows) == 6
    for row in rows:
        speedup = float(row.strip('| ').split('|')[-1])
        assert speedup > 0
    # float32 is the reference of its own row.
    assert rows[0].endswith('| 1.00 |') and rows[3].endswith('| 1.00 |')


def test_step_section_runs_in_the_fast_path(benchmark):
    args = benchmark.parse_args(['--step-precision', 'bf16_cl'] + TINY_STEP)
    times = benchmark.step_time_worker(args, 'kd', 'irg')
    assert set(times) == {'kd', 'irg'}
    assert all(0 < result['min'] for result in times.values())
