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


def test_kernel_section_prints_table_and_skips_naive(benchmark, capsys):
    lines = benchmark.main([
        '--batch-sizes', '4', '--dims', '8', '--repeat', '1', '--impls', 'irg',
        'naive', '--skip-naive-above', '0'
    ])
    printed = capsys.readouterr().out
    assert '|    4 |     8 | IRGEdgeLoss fwd+bwd' in printed
    assert 'naive skipped at B=4, D=8' in printed
    assert printed.strip() == '\n'.join(lines).strip()


@pytest.mark.parametrize('impl', ['irg', 'naive', 'floor'])
def test_worker_measures_each_kernel(benchmark, impl):
    result = benchmark.run_worker(impl, 4, 8, 'cpu', repeat=2)
    assert result['seconds'] > 0
    assert result['peak_bytes'] >= 0


def test_naive_tensor_bytes(benchmark):
    # ResNet-18 layer4 flattened at B = 256: the 6.6 GB of the method notes.
    assert benchmark.naive_tensor_bytes(256, 25088) == 6576668672
