# Copyright (c) irg_mm contributors. All rights reserved.
"""irg_mm's configs ship in the package (``irg_mm/.mim``, OpenMMLab's way).

A non-editable ``pip install --target`` of a copy of the sources (no
network: ``--no-deps --no-index``) is imported from a directory outside the
checkout; an editable install links the checkout's configs instead.
"""
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import mmengine.hub
import mmengine.utils.package_utils
import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.hub import get_config

from irg_mm.compat.packaged_configs import patch_packaged_config_paths
from irg_mm.launch import load_config

# What setup.py reads or ships.
SOURCES = ('setup.py', 'setup.cfg', 'MANIFEST.in', 'README.md',
           'model-index.yml', 'requirements', 'irg_mm', 'configs', 'tools')
USER_CONFIG = """\
_base_ = ['irg_mm::_base_/digits_distill.py']

model = dict(
    distiller=dict(type='IRGDistiller', vertex=dict(loss_weight=0.1)))
"""
# Run with cwd outside the checkout and only the installed copy importable.
OUTSIDE_SCRIPT = """\
import json, sys
import irg_mm
from mmengine.config import Config
from mmengine.registry import DATASETS, init_default_scope
from irg_mm.launch import load_config
from irg_mm.preflight.config_check import check_distill_config

cfg = Config.fromfile('my_config.py')
init_default_scope(cfg.default_scope)
dataset = DATASETS.build(cfg.train_dataloader.dataset)
zoo = load_config('irg_mm::irg/resnet18_resnet50_imagenet.py')
try:
    check_distill_config(cfg)
    error = None
except FileNotFoundError as exc:
    error = str(exc)
json.dump(dict(package=irg_mm.__file__, base=cfg.filename,
               dataset_scope=cfg.train_dataloader.dataset.get('_scope_'),
               dataset_size=len(dataset), zoo_model=zoo.model.type,
               zoo_file=zoo.filename, error=error), sys.stdout)
"""


def _copy_sources(target: str) -> str:
    os.makedirs(target)
    for name in SOURCES:
        source = osp.join(REPO_ROOT, name)
        if osp.isdir(source):
            shutil.copytree(
                source,
                osp.join(target, name),
                ignore=shutil.ignore_patterns('__pycache__', '.mim'))
        else:
            shutil.copyfile(source, osp.join(target, name))
    return target


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> str:
    """irg_mm installed (not editable) into a folder of its own."""
    root = tmp_path_factory.mktemp('install')
    source = _copy_sources(str(root / 'src'))
    site = str(root / 'site')
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
        '--no-build-isolation', '--no-index', '--target', site, source
    ],
                   check=True,
                   capture_output=True,
                   timeout=300)
    return site


def test_wheel_carries_configs_tools_and_model_index(installed):
    mim = osp.join(installed, 'irg_mm', '.mim')
    assert osp.isfile(osp.join(mim, 'configs', '_base_', 'digits_distill.py'))
    assert osp.isfile(osp.join(mim, 'configs', 'irg', 'metafile.yml'))
    assert osp.isfile(osp.join(mim, 'tools', 'train.py'))
    assert osp.isfile(osp.join(mim, 'model-index.yml'))
    assert not osp.islink(osp.join(mim, 'configs'))


def test_irg_mm_configs_load_outside_the_checkout(installed, tmp_path):
    (tmp_path / 'my_config.py').write_text(USER_CONFIG)
    env = dict(os.environ, PYTHONPATH=installed, OMP_NUM_THREADS='1')
    result = subprocess.run([sys.executable, '-c', OUTSIDE_SCRIPT],
                            cwd=str(tmp_path),
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['package'].startswith(installed)
    # The base keeps the including config's scopes (no `_scope_='irg_mm'`,
    # which names no registry) and builds the digits data set.
    assert report['dataset_scope'] is None
    assert report['dataset_size'] > 0
    assert report['zoo_model'] == 'SingleTeacherDistill'
    assert report['zoo_file'].startswith(installed)
    # The relative teacher path of the digits configs, from elsewhere.
    assert 'model.teacher_ckpt' in report['error']
    assert 'work_dirs/digits_demo/teacher/epoch_15.pth' in report['error']


def _load_setup(root: str):
    spec = importlib.util.spec_from_file_location('irg_mm_setup',
                                                  osp.join(root, 'setup.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_editable_install_links_the_checkout_configs(tmp_path):
    shutil.copyfile(osp.join(REPO_ROOT, 'setup.py'), tmp_path / 'setup.py')
    for folder in ('configs', 'tools', 'irg_mm'):
        (tmp_path / folder).mkdir()
    (tmp_path / 'model-index.yml').write_text('Import: []\n')
    setup = _load_setup(str(tmp_path))
    assert setup.mim_install_mode(['setup.py', 'editable_wheel']) == 'symlink'
    assert setup.mim_install_mode(['setup.py', 'bdist_wheel']) == 'copy'
    assert setup.mim_install_mode(['setup.py', 'egg_info']) is None
    setup.add_mim_extension('symlink')
    for name in setup.MIM_FILES:
        link = tmp_path / 'irg_mm' / '.mim' / name
        assert link.is_symlink()
        assert link.resolve() == (tmp_path / name).resolve()


def test_mim_folder_is_ignored_by_git():
    if not osp.isdir(osp.join(REPO_ROOT, '.git')):
        pytest.skip('not a git checkout')
    result = subprocess.run(
        ['git', 'check-ignore', '-q', 'irg_mm/.mim/configs'], cwd=REPO_ROOT)
    assert result.returncode == 0


def test_irg_mm_base_in_this_checkout(tmp_path):
    config = tmp_path / 'cfg.py'
    config.write_text(USER_CONFIG)
    cfg = Config.fromfile(str(config))
    assert cfg.model.type == 'SingleTeacherDistill'
    assert '_scope_' not in cfg.train_dataloader.dataset
    zoo = load_config('irg_mm::irg/resnet18_resnet50_imagenet.py')
    assert zoo.model.distiller.type == 'IRGDistiller'


def test_missing_irg_mm_config_names_the_nearest():
    with pytest.raises(FileNotFoundError) as error:
        get_config('irg_mm::digits/kd_resnet8_resnet20_digits.py')
    assert 'digits/kd_resnet8-w8_resnet20_digits.py' in str(error.value)


def test_missing_package_is_not_installed_by_loading(monkeypatch):

    def pip(*args, **kwargs):
        raise AssertionError(f'ran {args}')

    monkeypatch.setattr(mmengine.utils.package_utils, 'call_command', pip)
    with pytest.raises(ModuleNotFoundError, match='pip install mmdet'):
        get_config('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py')


def test_patching_twice_wraps_once():
    before = Config._get_cfg_path, mmengine.hub.get_config
    patch_packaged_config_paths()
    assert (Config._get_cfg_path, mmengine.hub.get_config) == before
