# Copyright (c) irg_mm contributors. All rights reserved.
"""configs/fashion_mnist/tuned: each config is its method's Fashion-MNIST
config at the setting the tuned grid chose from its committed logs."""
import glob
import os.path as osp

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config, DictAction

from irg_mm.grids.grid_runner import GridRunner
from irg_mm.grids.model_zoo import model_name
from irg_mm.grids.spec import chosen_options, load_spec

SPEC = f'{REPO_ROOT}/configs/benchmarks/fashion_mnist_tuned.py'
TUNED = sorted(
    glob.glob(f'{REPO_ROOT}/configs/fashion_mnist/tuned/*_tuned.py'))


@pytest.fixture(scope='module')
def grid():
    """The tuned spec and the settings its committed tuning logs choose."""
    spec = load_spec(SPEC)
    return spec, GridRunner(spec, REPO_ROOT, write=lambda line: None).choices()


def _with_options(config: str, options: list) -> dict:
    """The config as ``tools/train.py --cfg-options`` would train it."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    items = (option.split('=', 1) for option in options)
    cfg.merge_from_dict({
        key: DictAction._parse_iterable(value)
        for key, value in items
    })
    return cfg.to_dict()


def _method_of(spec, path: str) -> str:
    name = osp.splitext(osp.basename(path))[0]
    return next(method for method, entry in spec.methods.items()
                if model_name(entry.config, '_tuned') == name)


@pytest.mark.parametrize('path', TUNED, ids=osp.basename)
def test_a_tuned_config_is_its_method_at_the_chosen_setting(grid, path):
    spec, choices = grid
    method = _method_of(spec, path)
    entry = spec.methods[method]
    options = [
        *entry.get('cfg_options', []), *chosen_options(spec, method, choices)
    ]
    assert Config.fromfile(path).to_dict() == _with_options(
        entry.config, options)


def test_every_chosen_method_has_a_tuned_config(grid):
    spec, choices = grid
    assert sorted(_method_of(spec, path) for path in TUNED) == sorted(choices)
