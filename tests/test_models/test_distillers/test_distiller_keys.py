# Copyright (c) irg_mm contributors. All rights reserved.
"""One expansion of the compact form, kept with the user's keys."""
import os.path as osp

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.registry import MODELS

from irg_mm.errors import DistillConfigError
from irg_mm.models.distillers import (DistillerKeys, IRGDistiller, expand_irg,
                                      irg_expansion)

IRG = osp.join(REPO_ROOT, 'configs/digits/irg_resnet8-w8_resnet20_digits.py')
KD = osp.join(REPO_ROOT, 'configs/digits/kd_resnet8-w8_resnet20_digits.py')


def _distiller_cfg(path: str) -> dict:
    return Config.fromfile(path).model.distiller.to_dict()


def test_keys_name_what_the_user_wrote():
    keys = DistillerKeys.from_config(_distiller_cfg(IRG))
    assert keys.recorder('student', 'irg_edges') == \
        'model.distiller.edges.student'
    assert keys.loss('loss_irg_transform1') == 'model.distiller.transforms[1]'
    assert keys.connector('irg_transform0_t') == \
        'model.distiller.transforms[0].teacher_connector'
    kd = DistillerKeys.from_config(_distiller_cfg(KD))
    assert kd.recorder('student', 'logits') == \
        'model.distiller.student_recorders.logits.source'
    assert kd.mapping('loss_kd', 'preds_T') == \
        'model.distiller.loss_forward_mappings.loss_kd.preds_T'


def test_a_malformed_compact_form_names_its_full_key():
    cfg = _distiller_cfg(IRG)
    cfg['edges']['mode'] = 'one_to_one'
    with pytest.raises(
            DistillConfigError, match=r'^model\.distiller\.edges\.teacher: '):
        DistillerKeys.from_config(cfg)


def test_the_resolved_config_builds_the_same_distiller_without_expanding(
        monkeypatch):
    compact = _distiller_cfg(IRG)
    keys = DistillerKeys.from_config(compact)
    resolved = keys.resolved_config(compact)
    assert not {'vertex', 'edges', 'transforms'} & set(resolved)
    assert resolved['type'] == 'IRGDistiller'
    assert resolved['distill_losses'] == expand_irg(
        edges=compact['edges'],
        transforms=compact['transforms'])['distill_losses']

    def no_expansion(*args, **kwargs):
        raise AssertionError('expanded again')

    monkeypatch.setattr(irg_expansion, '_Expansion', no_expansion)
    distiller = MODELS.build(resolved)
    assert isinstance(distiller, IRGDistiller)
    assert distiller.config_keys.origins == keys.origins
    assert distiller.config_keys.loss('loss_irg_edge2') == \
        'model.distiller.edges'
    assert sorted(distiller.distill_losses) == sorted(
        keys.pieces['distill_losses'])


def test_a_written_out_distiller_has_the_written_keys():
    distiller = MODELS.build(_distiller_cfg(KD))
    assert type(distiller) is ConfigurableDistiller
    keys = DistillerKeys.of(distiller)
    assert keys.loss('loss_kd') == 'model.distiller.distill_losses.loss_kd'
    assert keys.recorder('teacher', 'logits', 'source') == \
        'model.distiller.teacher_recorders.logits.source'
