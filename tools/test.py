# Copyright (c) irg_mm contributors. All rights reserved.
"""Evaluate a checkpoint with a config (a distiller or a plain classifier).

Examples:
    python tools/test.py configs/digits/resnet8-w8_digits.py epoch_15.pth
    bash tools/dist_test.sh CONFIG CHECKPOINT 8 --out metrics.json
"""
import argparse
import os
import os.path as osp

import irg_mm  # noqa: F401  (compat fixes and registries before MMRazor)
from mmengine.config import Config, DictAction
from mmengine.fileio import dump
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from irg_mm.utils import init_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where to save the test logs')
    parser.add_argument(
        '--out', help='write the metrics to this .json / .yaml file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=64')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint {args.checkpoint} does not exist')
    cfg.load_from = args.checkpoint
    return cfg


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    init_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out is not None and runner.rank == 0:
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
