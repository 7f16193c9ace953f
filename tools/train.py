# Copyright (c) irg_mm contributors. All rights reserved.
"""Train an MMRazor / mmpretrain config with irg_mm's components.

Examples:
    python tools/train.py configs/irg/resnet18_resnet50_imagenet.py
    bash tools/dist_train.sh configs/irg/resnet18_resnet50_imagenet.py 8
"""
import argparse

from mmengine.config import Config

import irg_mm  # noqa: F401  (compat fixes and registries before MMRazor)
from irg_mm.engine.hooks.random_state_hook import use_random_state_hook
from irg_mm.errors import ConfigError
from irg_mm.launch import (add_runner_args, apply_runner_args, build_runner,
                           exit_on_user_error, load_config, lock_work_dir,
                           parse_runner_args)
from irg_mm.utils.process_lifetime import leave_process_group_at_exit


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a distiller')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (IRG distances stay in float32)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the real total batch size against '
        'auto_scale_lr.base_batch_size in the config')
    add_runner_args(parser)
    return parse_runner_args(parser)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config."""
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        # mmengine's AmpOptimWrapper on CUDA; without CUDA (where it asserts
        # a GPU) irg_mm's bfloat16 CPUAmpOptimWrapper.
        from irg_mm.engine.optim_wrappers import amp_optim_wrapper_cfg
        cfg.optim_wrapper = amp_optim_wrapper_cfg(cfg.optim_wrapper)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise ConfigError('auto_scale_lr: --auto-scale-lr needs '
                              '`auto_scale_lr = dict(base_batch_size=...)` '
                              'in the config')
        cfg.auto_scale_lr.enable = True
    cfg = apply_runner_args(cfg, args)
    # Checkpoints carry the random state, so --resume continues exactly;
    # after --cfg-options, where default_hooks.random_state=None turns it off.
    use_random_state_hook(cfg)
    return cfg


def main() -> None:
    args = parse_args()
    with exit_on_user_error():
        cfg = merge_args(load_config(args.config), args)
        lock = lock_work_dir(cfg.work_dir)  # noqa: F841  (held until exit)
        runner = build_runner(cfg)
        runner.train()
    leave_process_group_at_exit()


if __name__ == '__main__':
    main()
