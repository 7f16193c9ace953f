# Copyright (c) irg_mm contributors. All rights reserved.
"""Hooks from the command line: ``--custom-hooks`` and ``dict(...)`` values
of ``--cfg-options`` (mmengine's DictAction recursed without end on them)."""
import argparse
import os.path as osp

import pytest
from conftest import REPO_ROOT

from irg_mm.launch import add_runner_args, apply_runner_args, load_config
from irg_mm.utils.cli_literals import hook_config, literal_with_dicts

CONFIG = 'configs/digits/mtk_resnet8-w8_resnet20_digits.py'
MONITOR = "dict(type='IRGGraphMonitorHook', interval=1)"
QUICK = [
    'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
    'train_dataloader.dataset.train_fraction=0.1',
    'default_hooks.logger.interval=1'
]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_runner_args(parser)
    return parser.parse_args([osp.join(REPO_ROOT, CONFIG), *argv])


def test_train_adds_hooks_from_both_options(tmp_path, teacher_ckpt,
                                            python_runner):
    # One run: the --cfg-options list replaces the config's custom_hooks,
    # --custom-hooks appends to it; the two monitors log under two prefixes.
    result = python_runner([
        'tools/train.py', CONFIG, '--work-dir',
        str(tmp_path), '--custom-hooks', MONITOR, '--cfg-options', *QUICK,
        f'model.teacher_ckpt={teacher_ckpt}',
        "custom_hooks=[dict(type='IRGGraphMonitorHook', interval=1, "
        "prefix='from_cfg_options')]"
    ])
    log = result.stdout + result.stderr
    assert 'irg_graph.edge0.corr' in log
    assert 'from_cfg_options.edge0.corr' in log


def test_custom_hooks_append_to_the_config():
    args = parse('--custom-hooks', MONITOR, "dict(type='ChannelsLastHook')",
                 '--cfg-options', "custom_hooks=[dict(type='EMAHook')]")
    cfg = apply_runner_args(load_config(args.config), args)
    assert [hook['type'] for hook in cfg.custom_hooks
            ] == ['EMAHook', 'IRGGraphMonitorHook', 'ChannelsLastHook']
    assert cfg.custom_hooks[1]['interval'] == 1


def test_plain_cfg_options_keep_mmengine_meaning():
    options = parse('--cfg-options', 'a=1,2', 'b=[x,y]', 'c=(1,[2,3])',
                    'd=True', 'e=dict(k=[1, (2, 3)])').cfg_options
    assert options == dict(
        a=[1, 2], b=['x', 'y'], c=(1, [2, 3]), d=True, e=dict(k=[1, (2, 3)]))


def test_unquoted_name_is_one_clear_line(python_runner):
    result = python_runner([
        'tools/train.py', CONFIG, '--custom-hooks',
        'dict(type=IRGGraphMonitorHook)'
    ],
                           check=False)
    assert result.returncode == 2
    message = result.stderr.strip().splitlines()[-1]
    assert 'argument --custom-hooks' in message
    assert 'quote strings' in message
    assert 'RecursionError' not in result.stderr


def test_cfg_options_error_names_the_key(capsys):
    with pytest.raises(SystemExit):
        parse('--cfg-options', 'custom_hooks=[dict(type=EMAHook)]')
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert 'argument --cfg-options: custom_hooks:' in message
    assert 'quote strings' in message


@pytest.mark.parametrize('text', [
    "__import__('os').system('touch pwned')", "dict(type=open('x'))",
    'dict(**hooks)', "dict([('type', 'X')])", '1 + 2'
])
def test_nothing_is_evaluated(text):
    with pytest.raises(ValueError, match='is not a literal'):
        literal_with_dicts(text)


@pytest.mark.parametrize('text', ["'IRGGraphMonitorHook'", 'dict(interval=1)'])
def test_a_hook_needs_a_dict_with_a_type(text):
    with pytest.raises(argparse.ArgumentTypeError, match='not a hook config'):
        hook_config(text)
