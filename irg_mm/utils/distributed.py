# Copyright (c) irg_mm contributors. All rights reserved.
"""Start torch.distributed for a Runner on machines with or without CUDA."""
import os

import torch
import torch.distributed as dist
from mmengine.config import Config


def init_cpu_distributed(cfg: Config) -> bool:
    """Join the process group on gloo when a launcher asks for DDP sans CUDA.

    mmengine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` and
    so fails without a GPU, and its DDP wrapper passes ``device_ids`` that
    DDP rejects for a CPU module. On such a machine this joins the group on
    the gloo backend (the Runner then skips its own initialisation) and sets
    ``device_ids=None`` in ``cfg.model_wrapper_cfg``. With CUDA it does
    nothing and mmengine starts nccl as usual.

    Args:
        cfg (Config): The training config; ``cfg.launcher`` is read and
            ``cfg.model_wrapper_cfg`` may be updated in place.

    Returns:
        bool: True if the gloo process group was started here.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    if cfg.launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {cfg.launcher} needs CUDA; on a machine without a '
            'GPU start with tools/dist_train.sh (torchrun, --launcher '
            'pytorch), which uses the gloo backend.')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    # Keep env_cfg consistent with what is really running.
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg',
                                             {})['backend'] = 'gloo'
    os.environ.setdefault('LOCAL_RANK', '0')
    return True
