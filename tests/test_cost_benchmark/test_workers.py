# Copyright (c) irg_mm contributors. All rights reserved.
"""The workers measure what they name: in this process, and once through
the protocol that runs a worker in a fresh process."""
import dataclasses
import sys

import pytest
import torch

from irg_mm.cost_benchmark import Settings, workers
from irg_mm.cost_benchmark.kernels import WARMUP_SHAPE
from irg_mm.models import IRGEdgeLoss

# The real ResNet-50 -> ResNet-18 models and hook points, on tiny images.
TINY_STEP = Settings(
    step_batch=2, step_image_size=32, step_warmup=0, step_repeat=1)


def test_kernel_time_worker_times_the_loss_on_the_case(monkeypatch):
    seen = []
    graph_values = IRGEdgeLoss.graph_values

    def counting(self, preds_S, preds_T):
        seen.append(tuple(preds_S.shape))
        return graph_values(self, preds_S, preds_T)

    monkeypatch.setattr(IRGEdgeLoss, 'graph_values', counting)
    times = workers.kernel_time_worker(
        Settings(repeat=3), 5, 7, 'irg', 'floor_fwd')
    assert set(times) == {'irg', 'floor_fwd'}
    assert all(result['min'] > 0 for result in times.values())
    # The library warm-up at 4 x 8, one untimed round, three timed ones.
    assert seen == [WARMUP_SHAPE] + [(5, 7)] * 4


def test_run_worker_measures_a_known_allocation_in_a_fresh_process():
    # floor_fwd_bwd's one call allocates both [B, D] float32 gradients:
    # 32 MiB here, measured by `python -m irg_mm.cost_benchmark`.
    batch_size, dim = 64, 2**16
    gradients = 2 * batch_size * dim * 4
    result = workers.run_worker('kernel_memory', Settings(), 'floor_fwd_bwd',
                                batch_size, dim)
    assert gradients <= result['peak_bytes'] < 2 * gradients


def test_worker_main_names_the_workers_and_the_tool():
    with pytest.raises(
            ValueError,
            match="worker must be one of .*'step_time'"
            ".*got 'no_such_worker'"):
        workers.main([Settings().to_json(), 'no_such_worker', '[]'])
    with pytest.raises(SystemExit, match='tools/analysis/cost_benchmark.py'):
        workers.main([])


def test_a_failing_process_raises_with_its_error():
    command = [sys.executable, '-c', 'raise KeyError("no_such_kernel")']
    with pytest.raises(
            RuntimeError,
            match="(?s)worker x failed.*KeyError: 'no_such_kernel'"):
        workers.read_process_result(command, 'worker x')


def test_step_memory_worker_counts_weights_and_gradients():
    result = workers.step_memory_worker(TINY_STEP, 'student')
    resnet18_parameters = 11_689_512
    assert result['peak_bytes'] >= 2 * resnet18_parameters * 4


@pytest.mark.parametrize('precision', ['fp32', 'bf16_cl'])
def test_step_time_worker_trains_kd_and_irg(monkeypatch, precision):
    built = {}
    make_train_step = workers.make_train_step

    def keeping(model_cfg, *args):
        step = make_train_step(model_cfg, *args)
        params = {
            role: [
                p.detach().clone()
                for p in getattr(step.model, role).parameters()
            ]
            for role in ('architecture', 'teacher')
        }
        built[model_cfg['distiller']['type']] = step, params
        return step

    monkeypatch.setattr(workers, 'make_train_step', keeping)
    settings = dataclasses.replace(TINY_STEP, step_precision=precision)
    times = workers.step_time_worker(settings, 'kd', 'irg')
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
    assert set(built) == set(expected_losses)
