# Copyright (c) irg_mm contributors. All rights reserved.
"""Command-line pieces shared by tools/train.py and tools/test.py."""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .distributed import init_cpu_distributed


def load_config(path: str) -> Config:
    """Load a config file, or a packaged one such as
    ``mmpretrain::resnet/resnet18_8xb32_in1k.py``.

    Args:
        path (str): A config path, or ``package::relative/path.py``.

    Returns:
        Config: The loaded config.
    """
    if '::' in path:
        from mmengine.hub import get_config
        return get_config(path)
    return Config.fromfile(path)


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=2 '
        'model.distiller.edges.loss_weight=0.5')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torchrun passes --local-rank, torch.distributed.launch --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` when no launcher did."""
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def apply_runner_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``--cfg-options``, ``--launcher`` and ``--work-dir`` to a config.

    Without ``--work-dir`` or a ``work_dir`` in the config, runs go to
    ``./work_dirs/<config name>`` as in every OpenMMLab project.

    Args:
        cfg (Config): The loaded config, updated in place.
        args (argparse.Namespace): Parsed arguments with ``config``.

    Returns:
        Config: ``cfg``.
    """
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    work_dir: Optional[str] = args.work_dir or cfg.get('work_dir')
    cfg.work_dir = work_dir or osp.join(
        './work_dirs',
        osp.splitext(osp.basename(args.config))[0])
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Join the process group (gloo without CUDA) and build the Runner.

    Args:
        cfg (Config): The full config; ``runner_type`` picks a custom runner.

    Returns:
        Runner: The runner, ready to train or test.
    """
    init_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
