# Copyright (c) irg_mm contributors. All rights reserved.
"""Run a function on several CPU processes joined over gloo, and the small
network the graph-scope tests distribute."""
import os.path as osp
import socket
from typing import Callable, Dict, Tuple

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import Tensor, nn


class TwoLayerStudent(nn.Module):
    """Two layers of equal width: edges on the second, a transformation
    between the first and the second."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Linear(6, 8)
        self.block = nn.Linear(8, 8)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        first = torch.relu(self.stem(x))
        return first, torch.relu(self.block(first))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _rank_entry(rank: int, worker: Callable[[int], dict], port: int,
                out_dir: str, world_size: int) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size)
    torch.save(worker(rank), osp.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()


def run_gloo_ranks(worker: Callable[[int], dict], out_dir: str,
                   world_size: int) -> Dict[int, dict]:
    """Call ``worker(rank)`` on ``world_size`` gloo ranks.

    Args:
        worker (Callable[[int], dict]): A module-level function (spawned
            processes import it) returning what the rank found.
        out_dir (str): Where each rank saves its result.
        world_size (int): The number of processes.

    Returns:
        Dict[int, dict]: Each rank's result.
    """
    mp.spawn(
        _rank_entry,
        args=(worker, free_port(), str(out_dir), world_size),
        nprocs=world_size,
        join=True)
    return {
        rank: torch.load(osp.join(str(out_dir), f'rank{rank}.pth'))
        for rank in range(world_size)
    }
