# Copyright (c) irg_mm contributors. All rights reserved.
"""Start torch.distributed for a launched run, on nccl where it can run and
on gloo where it cannot (no CUDA, or more ranks on a node than GPUs)."""
import os
from typing import List, Optional, Tuple

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.dist import init_dist
from mmengine.logging import print_log


def init_distributed(cfg: Config) -> Optional[str]:
    """Join the process group of a launched run and log the backend.

    - No CUDA: mmengine's ``init_dist`` would call ``torch.cuda.set_device``
      and fail, so the group starts on gloo here (``--launcher pytorch``
      only; slurm and mpi need CUDA).
    - CUDA, but more ranks on this node (torchrun's ``LOCAL_WORLD_SIZE``)
      than visible GPUs: nccl refuses two ranks on one device, so the ranks
      share the GPUs round-robin and the group starts on gloo, which
      communicates CUDA tensors through host memory (slower, but exact).
    - Otherwise: mmengine's ``init_dist`` with ``cfg.env_cfg.dist_cfg``
      (nccl by default), as the Runner would call it.

    Rank 0 logs one line naming the backend and why. On gloo,
    ``cfg.model_wrapper_cfg`` gets the ``device_ids`` DDP needs (mmengine
    would pass ``[LOCAL_RANK]``, which DDP rejects for a CPU module and
    which names a missing GPU when ranks share one), and
    ``cfg.env_cfg.dist_cfg.backend`` is set to ``'gloo'``, so the Runner's
    log states the backend in use. The Runner then skips its own start.

    Args:
        cfg (Config): The training config; ``cfg.launcher`` is read and
            ``cfg.model_wrapper_cfg`` and ``cfg.env_cfg`` may be updated in
            place.

    Returns:
        str, optional: The backend in use (``'nccl'`` or ``'gloo'``), or
        None without a launcher.

    Examples:
        >>> # In tools/train.py, before the Runner is built:
        >>> init_distributed(cfg)  # doctest: +SKIP
        'nccl'
    """
    if cfg.get('launcher', 'none') == 'none':
        return None
    os.environ.setdefault('LOCAL_RANK', '0')
    use_gloo, reason, device_ids = _choose_backend(cfg.launcher)
    if use_gloo:
        if not dist.is_initialized():
            dist.init_process_group(backend='gloo')
        _configure_gloo(cfg, device_ids)
    elif not dist.is_initialized():
        init_dist(cfg.launcher, **cfg.get('env_cfg', {}).get('dist_cfg', {}))
    backend = dist.get_backend()
    if dist.get_rank() == 0:
        print_log(
            f'irg_mm: process group on {backend} ({reason}), world size '
            f'{dist.get_world_size()}',
            logger='current')
    return backend


def _choose_backend(launcher: str) -> Tuple[bool, str, Optional[List[int]]]:
    """Whether to start gloo here, the reason to log, and DDP's
    ``device_ids`` on gloo.

    A shared GPU is made this process's current device here, before the
    group starts, as ``init_dist`` does for nccl.
    """
    if not torch.cuda.is_available():
        if launcher != 'pytorch':
            raise RuntimeError(
                f'--launcher {launcher} needs CUDA; on a machine without a '
                'GPU start with tools/dist_train.sh (torchrun, --launcher '
                'pytorch), which uses the gloo backend.')
        return True, 'no CUDA on this machine: CPU tensors', None
    num_gpus = torch.cuda.device_count()
    local_ranks = int(os.environ.get('LOCAL_WORLD_SIZE', '1'))
    if launcher == 'pytorch' and local_ranks > num_gpus:
        device = int(os.environ['LOCAL_RANK']) % num_gpus
        torch.cuda.set_device(device)
        reason = (f'{local_ranks} ranks on this node share {num_gpus} '
                  'visible GPU(s) and nccl needs one GPU per rank: CUDA '
                  'tensors over gloo')
        return True, reason, [device]
    return False, 'one GPU per rank, env_cfg.dist_cfg', None


def _configure_gloo(cfg: Config, device_ids: Optional[List[int]]) -> None:
    """Give the DDP wrapper gloo's ``device_ids`` and record the backend."""
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper_cfg['device_ids'] = device_ids
    cfg.model_wrapper_cfg = wrapper_cfg
    env_cfg = cfg.get('env_cfg') or dict()
    env_cfg['dist_cfg'] = dict(env_cfg.get('dist_cfg') or {}, backend='gloo')
    cfg.env_cfg = env_cfg
