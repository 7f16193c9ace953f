# Copyright (c) irg_mm contributors. All rights reserved.
"""``mmcls`` configs, scopes and types resolve to mmpretrain (no mmcls)."""
import os.path as osp

import mmengine.hub
import pytest
from mmengine.config import Config
from mmengine.hub import get_config, get_model
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope, init_default_scope
from mmpretrain.datasets.transforms import PackInputs
from mmpretrain.models import ImageClassifier, ResNet
from mmpretrain.registry import TRANSFORMS
from mmrazor.registry import MODELS as MMRAZOR_MODELS

from irg_mm.compat import mmcls_alias
from irg_mm.compat.packaged_configs import find_packaged_config

CLASSIFIER = dict(
    backbone=dict(type='mmcls.ResNet_CIFAR', depth=18),
    neck=dict(type='mmcls.GlobalAveragePooling'),
    head=dict(type='mmcls.LinearClsHead', num_classes=10, in_channels=512))


def test_mmcls_is_absent_here():
    # Every test below is about the alias; with mmcls installed it is off.
    assert not mmcls_alias.mmcls_installed()
    assert mmcls_alias.alias_mmcls_to_mmpretrain() == {'mmcls': 'mmpretrain'}


def test_mmcls_base_reads_mmpretrain_config_with_its_scope(tmp_path):
    config = tmp_path / 'cfg.py'
    config.write_text("_base_ = ['mmcls::resnet/resnet18_8xb32_in1k.py']\n")
    cfg = Config.fromfile(str(config))
    reference = Config.fromfile(
        find_packaged_config('mmpretrain', 'resnet/resnet18_8xb32_in1k.py'))
    assert cfg.model.backbone == reference.model.backbone
    # Dicts a package base brings in are scoped to that package's registry.
    assert cfg.model._scope_ == 'mmpretrain'


def test_renamed_mmcls_config_maps_to_mmpretrain_name():
    cfg = get_config('mmcls::deit/deit-base_pt-16xb64_in1k.py')
    assert cfg.model.backbone.arch == 'deit-base'
    assert osp.basename(cfg.filename) == 'deit-base_16xb64_in1k.py'


def test_missing_mmcls_config_names_the_nearest():
    with pytest.raises(FileNotFoundError) as error:
        get_config('mmcls::resnet/resnet18_8xb32_in2k.py')
    message = str(error.value)
    assert 'mmcls::resnet/resnet18_8xb32_in2k.py' in message
    assert 'resnet/resnet18_8xb32_in1k.py' in message


def test_mmcls_scope_builds_from_mmengine_root_registry():
    model = ROOT_MODELS.build(
        dict(_scope_='mmcls', type='ResNet', depth=18, num_stages=4))
    assert isinstance(model, ResNet)


def test_mmcls_prefixed_classifier_builds_inside_mmrazor_scope():
    # MMRazor's BYOT config: 'mmcls.ImageClassifier' in an mmrazor model,
    # whose default preprocessor must come from mmpretrain's registry.
    init_default_scope('mmrazor')
    model = MMRAZOR_MODELS.build(
        dict(type='mmcls.ImageClassifier', **CLASSIFIER))
    assert isinstance(model, ImageClassifier)
    assert type(model.data_preprocessor).__name__ == 'ClsDataPreprocessor'


def test_mmcls_default_scope_is_mmpretrain():
    init_default_scope('mmcls')
    assert DefaultScope.get_current_instance().scope_name == 'mmpretrain'
    model = ROOT_MODELS.build(dict(type='ImageClassifier', **CLASSIFIER))
    assert isinstance(model, ImageClassifier)


def test_renamed_transform_is_registered_under_its_mmcls_name():
    assert TRANSFORMS.get('PackClsInputs') is PackInputs
    assert TRANSFORMS.get('mmcls.PackClsInputs') is PackInputs


def test_get_model_builds_mmcls_config():
    model = get_model('mmcls::resnet/resnet18_8xb16_cifar10.py')
    assert isinstance(model, ImageClassifier)
    assert model.backbone.depth == 18


def test_alias_is_announced_once(monkeypatch):
    lines = []
    monkeypatch.setattr(mmcls_alias, 'print_log',
                        lambda message, **kwargs: lines.append(message))
    mmcls_alias.announce_alias.cache_clear()
    assert mmcls_alias.resolve_scope('mmcls') == 'mmpretrain'
    mmcls_alias.to_mmpretrain_config('mmcls::resnet/resnet18_8xb32_in1k.py')
    assert len(lines) == 1 and 'mmpretrain' in lines[0]
    assert mmcls_alias.resolve_scope('mmrazor') == 'mmrazor'
    assert len(lines) == 1


def test_applying_twice_wraps_once():
    before = Config._get_cfg_path, get_config, DefaultScope.__init__
    mmcls_alias.alias_mmcls_to_mmpretrain()
    after = (Config._get_cfg_path, mmengine.hub.get_config,
             DefaultScope.__init__)
    assert before == after
