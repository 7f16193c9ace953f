# Copyright (c) irg_mm contributors. All rights reserved.
"""init_distributed picks the backend: one real single-rank process group
per test, with CUDA's presence and GPU count faked where a test says so."""
from typing import List

import pytest
import torch
import torch.distributed as dist
from gloo_ranks import free_port
from mmengine.config import Config

from irg_mm.launch import distributed
from irg_mm.launch.distributed import init_distributed


@pytest.fixture
def torchrun_env(monkeypatch):
    """The variables torchrun sets, for rank 0 of a one-rank group."""
    for name, value in dict(
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=str(free_port()),
            RANK='0',
            WORLD_SIZE='1',
            LOCAL_RANK='0',
            LOCAL_WORLD_SIZE='1').items():
        monkeypatch.setenv(name, value)
    yield monkeypatch
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.fixture
def logged(monkeypatch) -> List[str]:
    lines = []
    monkeypatch.setattr(distributed, 'print_log',
                        lambda msg, logger: lines.append(msg))
    return lines


def _fake_gpus(monkeypatch, count: int) -> List[int]:
    """Pretend CUDA has ``count`` GPUs; return the devices set current."""
    current = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: count)
    monkeypatch.setattr(torch.cuda, 'set_device', current.append)
    return current


def test_no_launcher_starts_nothing(logged):
    assert init_distributed(Config(dict(launcher='none'))) is None
    assert not dist.is_initialized() and logged == []


def test_without_cuda_gloo_on_cpu(torchrun_env, logged):
    torchrun_env.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = Config(dict(launcher='pytorch'))
    assert init_distributed(cfg) == 'gloo'
    assert dist.get_backend() == 'gloo'
    assert cfg.model_wrapper_cfg.device_ids is None
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert logged == [
        'irg_mm: process group on gloo (no CUDA on this machine: CPU '
        'tensors), world size 1'
    ]


def test_without_cuda_other_launchers_are_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(RuntimeError, match='--launcher slurm needs CUDA'):
        init_distributed(Config(dict(launcher='slurm')))


def test_more_ranks_than_gpus_share_them_over_gloo(torchrun_env, logged):
    current = _fake_gpus(torchrun_env, count=2)
    # Rank 2 of 3 on a node with 2 GPUs: round-robin onto GPU 0.
    torchrun_env.setenv('LOCAL_RANK', '2')
    torchrun_env.setenv('LOCAL_WORLD_SIZE', '3')
    cfg = Config(
        dict(
            launcher='pytorch',
            find_unused_parameters=True,
            env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert init_distributed(cfg) == 'gloo'
    assert current == [0]
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=True,
        device_ids=[0])
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert logged == [
        'irg_mm: process group on gloo (3 ranks on this node share 2 '
        'visible GPU(s) and nccl needs one GPU per rank: CUDA tensors over '
        'gloo), world size 1'
    ]


def test_one_gpu_per_rank_starts_mmengines_backend(torchrun_env, logged):
    current = _fake_gpus(torchrun_env, count=1)
    calls = []

    def fake_init_dist(launcher, **dist_cfg):
        # What mmengine would start is nccl; gloo stands in without a GPU.
        calls.append((launcher, dist_cfg))
        dist.init_process_group('gloo')

    torchrun_env.setattr(distributed, 'init_dist', fake_init_dist)
    cfg = Config(
        dict(
            launcher='pytorch',
            env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60))))
    init_distributed(cfg)
    assert calls == [('pytorch', dict(backend='nccl', timeout=60))]
    assert current == [] and 'model_wrapper_cfg' not in cfg
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert logged == [
        'irg_mm: process group on gloo (one GPU per rank, '
        'env_cfg.dist_cfg), world size 1'
    ]
