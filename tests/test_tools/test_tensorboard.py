# Copyright (c) irg_mm contributors. All rights reserved.
"""TensorBoard through tools/train.py: the documented line writes event
files, and a missing package stops the run before the Runner is built."""
import argparse
import glob
import os.path as osp
import sys

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config

from irg_mm.errors import ConfigError
from irg_mm.launch import add_runner_args, apply_runner_args, load_config
from irg_mm.preflight.visualizer_check import (BACKEND_IMPORTS,
                                               check_vis_backends)

CONFIG = 'configs/digits/resnet8-w8_digits.py'
# The line docs/visualization.md shows.
TENSORBOARD_LINE = (
    "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), "
    "dict(type='TensorboardVisBackend')])")
TENSORBOARD_OPTION = ("visualizer.vis_backends=[dict(type='LocalVisBackend'), "
                      "dict(type='TensorboardVisBackend')]")
# Two epochs of two iterations, validated once.
QUICK = [
    '--cfg-options', 'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
    'train_dataloader.dataset.train_fraction=0.1',
    'default_hooks.logger.interval=1'
]
# Runs tools/train.py with `import tensorboard` failing as it does where the
# package is not installed.
WITHOUT_TENSORBOARD = ("import runpy, sys; sys.modules['tensorboard'] = None; "
                       "sys.argv = sys.argv[1:]; "
                       "runpy.run_path(sys.argv[0], run_name='__main__')")


def tensorboard_config(folder) -> str:
    """A two-line config: the digits student plus the documented line."""
    path = osp.join(folder, 'with_tensorboard.py')
    with open(path, 'w') as f:
        f.write(f'_base_ = [{osp.join(REPO_ROOT, CONFIG)!r}]\n'
                f'{TENSORBOARD_LINE}\n')
    return path


def scalar_tags(event_file: str) -> list:
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    events = EventAccumulator(event_file)
    events.Reload()
    return events.Tags()['scalars']


def test_documented_line_writes_event_files(tmp_path, python_runner):
    work_dir = tmp_path / 'work'
    python_runner([
        'tools/train.py',
        tensorboard_config(tmp_path), '--work-dir',
        str(work_dir), *QUICK
    ])
    event_files = glob.glob(
        str(work_dir / '*' / 'vis_data' / 'events.out.tfevents.*'))
    assert len(event_files) == 1, event_files
    tags = scalar_tags(event_files[0])
    assert 'loss' in tags and 'accuracy/top1' in tags, tags


def test_cfg_options_form_keeps_the_visualizer(tmp_path):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_runner_args(parser)
    args = parser.parse_args(
        [osp.join(REPO_ROOT, CONFIG), '--cfg-options', TENSORBOARD_OPTION])
    cfg = apply_runner_args(load_config(args.config), args)
    documented = Config.fromfile(tensorboard_config(tmp_path))
    assert cfg.visualizer == documented.visualizer
    assert [b.type for b in cfg.visualizer.vis_backends
            ] == ['LocalVisBackend', 'TensorboardVisBackend']


def test_missing_tensorboard_stops_before_the_runner(tmp_path, python_runner):
    work_dir = tmp_path / 'work'
    result = python_runner([
        '-c', WITHOUT_TENSORBOARD, 'tools/train.py',
        tensorboard_config(tmp_path), '--work-dir',
        str(work_dir), *QUICK
    ],
                           check=False)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith('error: visualizer.vis_backends: ')
    assert '`pip install tensorboard`' in message
    # The Runner would have made its timestamped log folder.
    assert not glob.glob(str(work_dir / '*' / '')), 'the Runner was built'


def _with_backend(backend_type: str) -> Config:
    """A visualizer config with the local backend and ``backend_type``."""
    return Config(
        dict(
            visualizer=dict(
                type='UniversalVisualizer',
                vis_backends=[
                    dict(type='LocalVisBackend'),
                    dict(type=backend_type)
                ])))


@pytest.mark.parametrize('backend', sorted(BACKEND_IMPORTS))
def test_each_backend_names_its_package(backend, monkeypatch):
    module, package = BACKEND_IMPORTS[backend]
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    with pytest.raises(ConfigError, match=f'pip install {package}`'):
        check_vis_backends(_with_backend(f'mmengine.{backend}'))


def test_installed_or_package_free_backends_pass():
    check_vis_backends(_with_backend('TensorboardVisBackend'))
    check_vis_backends(Config(dict()))
