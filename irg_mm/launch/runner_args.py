# Copyright (c) irg_mm contributors. All rights reserved.
"""The command line shared by tools/train.py and tools/test.py: its
arguments, and the config they load and change."""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config

from irg_mm.utils.cli_literals import CfgOptionsAction, hook_config
from irg_mm.utils.process_lifetime import end_with_launcher


def load_config(path: str) -> Config:
    """Load a config file, or one a package ships.

    ``package::relative/path.py`` reads the configs installed with a package:
    irg_mm's own (``irg_mm::irg/resnet18_resnet50_imagenet.py``), MMRazor's
    (``mmrazor::distill/mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py``,
    whose ``mmcls::`` bases irg_mm reads as mmpretrain's) or mmpretrain's.
    Loading downloads nothing: no weights (the model's own ``pretrained``
    and ``teacher_ckpt`` are read when it is built) and no missing package.

    Args:
        path (str): A config path, or ``package::relative/path.py``.

    Returns:
        Config: The loaded config.

    Raises:
        FileNotFoundError: The package ships no such config (the message
            names the nearest).
        ModuleNotFoundError: The package is not installed.
    """
    if '::' in path:
        from mmengine.hub import get_config
        return get_config(path)
    return Config.fromfile(path)


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--custom-hooks``,
    ``--channels-last``, ``--launcher`` and ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. train_cfg.max_epochs=2 '
        'model.distiller.edges.loss_weight=0.5; dict(...) values work too, '
        "e.g. \"custom_hooks=[dict(type='ChannelsLastHook')]\" (replaces "
        'the list)')
    parser.add_argument(
        '--custom-hooks',
        nargs='+',
        type=hook_config,
        default=[],
        metavar='"dict(type=...)"',
        help='add hooks to the config\'s custom_hooks, e.g. '
        "\"dict(type='IRGGraphMonitorHook', interval=10)\"")
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='run the model in channels_last (NHWC) layout: much faster '
        'bfloat16 / float16 convolutions on AMX CPUs and recent GPUs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torchrun passes --local-rank, torch.distributed.launch --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, export ``LOCAL_RANK`` when no launcher did, and end with the
    launcher when torchrun started this process."""
    end_with_launcher()
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def apply_runner_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``--cfg-options``, ``--custom-hooks``, ``--channels-last``,
    ``--launcher`` and ``--work-dir`` to a config.

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
    added_hooks = list(args.custom_hooks)
    if args.channels_last:
        added_hooks.append(dict(type='ChannelsLastHook'))
    if added_hooks:
        cfg.custom_hooks = [*cfg.get('custom_hooks', []), *added_hooks]
    cfg.launcher = args.launcher
    work_dir: Optional[str] = args.work_dir or cfg.get('work_dir')
    cfg.work_dir = work_dir or osp.join(
        './work_dirs',
        osp.splitext(osp.basename(args.config))[0])
    return cfg
