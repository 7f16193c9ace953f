# Copyright (c) irg_mm contributors. All rights reserved.
"""Evaluate a checkpoint with a config (a distiller or a plain classifier).

A distillation checkpoint needs only its config: the teacher comes from the
checkpoint, and both the student (``accuracy/top1``) and the teacher
(``teacher.accuracy/top1``) are reported.

Examples:
    python tools/test.py configs/digits/resnet8-w8_digits.py epoch_15.pth
    bash tools/dist_test.sh CONFIG CHECKPOINT 8 --out metrics.json
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.fileio import dump

import irg_mm  # noqa: F401  (compat fixes and registries before MMRazor)
from irg_mm.launch import (add_runner_args, apply_runner_args, build_runner,
                           exit_on_user_error, load_config, parse_runner_args)
from irg_mm.launch.distill_checkpoint import prepare_distill_test
from irg_mm.utils.process_lifetime import leave_process_group_at_exit


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='write the metrics to this .json / .yaml file')
    add_runner_args(parser)
    return parse_runner_args(parser)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config."""
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint {args.checkpoint} does not exist')
    cfg.load_from = args.checkpoint
    return apply_runner_args(cfg, args)


def main() -> None:
    args = parse_args()
    with exit_on_user_error():
        cfg = prepare_distill_test(merge_args(load_config(args.config), args))
        runner = build_runner(cfg)
        metrics = runner.test()
    if args.out is not None and runner.rank == 0:
        dump(metrics, args.out)
    leave_process_group_at_exit()


if __name__ == '__main__':
    main()
