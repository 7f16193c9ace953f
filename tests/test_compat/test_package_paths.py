# Copyright (c) irg_mm contributors. All rights reserved.
import os.path as osp

from mmengine.config import Config
from mmengine.hub import get_config

from irg_mm.compat.package_paths import get_installed_path, is_installed


def test_mmpretrain_base_config_resolves(tmp_path):
    # mmengine 0.10.7 resolves `mmpretrain::` through pkg_resources, which
    # setuptools >= 82 no longer ships.
    config = tmp_path / 'cfg.py'
    config.write_text(
        "_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']\n")
    cfg = Config.fromfile(str(config))
    assert cfg.model.backbone.depth == 18


def test_get_config_with_scope():
    cfg = get_config('mmpretrain::resnet/resnet50_8xb32_in1k.py')
    assert cfg.model.backbone.depth == 50


def test_installed_paths_of_distribution_and_module_names():
    assert osp.basename(get_installed_path('mmcv-lite')) == 'mmcv'
    assert osp.isdir(get_installed_path('mmpretrain'))
    assert is_installed('mmpretrain')
    assert not is_installed('surely-not-an-installed-package')
