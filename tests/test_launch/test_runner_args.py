# Copyright (c) irg_mm contributors. All rights reserved.
import argparse

from irg_mm.launch import add_runner_args, apply_runner_args, load_config


def test_packaged_config_path_loads():
    # tools/test.py evaluates exported students with mmpretrain's own config.
    cfg = load_config('mmpretrain::resnet/resnet18_8xb32_in1k.py')
    assert cfg.model.backbone.depth == 18


def test_work_dir_defaults_to_the_config_name():
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_runner_args(parser)
    args = parser.parse_args([
        'mmpretrain::resnet/resnet18_8xb32_in1k.py', '--cfg-options',
        'train_cfg.max_epochs=3'
    ])
    cfg = apply_runner_args(load_config(args.config), args)
    assert cfg.work_dir == './work_dirs/resnet18_8xb32_in1k'
    assert cfg.train_cfg.max_epochs == 3
    assert cfg.launcher == 'none'
