# Copyright (c) irg_mm contributors. All rights reserved.
import mmrazor.datasets
import numpy as np
import pytest
import torch
from mmpretrain.datasets.transforms import PackInputs
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS, TRANSFORMS

from irg_mm.compat.mmrazor_placeholders import is_mmrazor_placeholder


def _hand_soft_ce(preds_S, preds_T, tau):
    soft_label = torch.exp(preds_T / tau)
    soft_label = soft_label / soft_label.sum(dim=1, keepdim=True)
    log_prob = preds_S / tau - torch.log(
        torch.exp(preds_S / tau).sum(dim=1, keepdim=True))
    return -(soft_label * log_prob).sum(dim=1)


@pytest.mark.parametrize('reduction', ['mean', 'sum'])
def test_kd_soft_ce_loss_equals_hand_computed_soft_ce(reduction):
    torch.manual_seed(0)
    preds_S = torch.randn(4, 5, dtype=torch.float64)
    preds_T = torch.randn(4, 5, dtype=torch.float64)
    loss = MODELS.build(
        dict(
            type='KDSoftCELoss', tau=2.0, loss_weight=0.5,
            reduction=reduction))

    per_sample = _hand_soft_ce(preds_S, preds_T, tau=2.0)
    reduced = per_sample.mean() if reduction == 'mean' else per_sample.sum()
    torch.testing.assert_close(
        loss(preds_S, preds_T), 0.5 * 2.0**2 * reduced, rtol=1e-12, atol=0)


def _crd_sample():
    rng = np.random.RandomState(0)
    return dict(
        img=rng.randint(0, 255, (6, 5, 3), dtype=np.uint8),
        gt_label=2,
        sample_idx=7,
        contrast_sample_idxs=np.array([7, 1, 3]),
        img_path='a.png')


def test_pack_crd_cls_inputs_builds_and_packs_a_sample():
    sample = _crd_sample()
    transform = TRANSFORMS.build(
        dict(type='PackCRDClsInputs', meta_keys=('img_path', )))

    packed = transform(dict(sample))

    assert isinstance(transform, PackInputs)
    torch.testing.assert_close(
        packed['inputs'],
        torch.from_numpy(sample['img']).permute(2, 0, 1))
    data_sample = packed['data_samples']
    assert isinstance(data_sample, DataSample)
    assert data_sample.gt_label.tolist() == [2]
    assert data_sample.sample_idx.item() == 7
    assert data_sample.contrast_sample_idxs.tolist() == [7, 1, 3]
    assert data_sample.img_path == 'a.png'


def test_pack_crd_cls_inputs_keeps_the_metainfo_of_every_sample():
    # MMRazor's transform turned meta_keys into a generator that the first
    # sample exhausted.
    transform = TRANSFORMS.build(
        dict(type='PackCRDClsInputs', meta_keys=('img_path', 'sample_idx')))
    for index in range(3):
        sample = dict(_crd_sample(), img_path=f'{index}.png')
        data_sample = transform(sample)['data_samples']
        assert data_sample.img_path == f'{index}.png'
        assert data_sample.sample_idx.item() == 7
    assert transform.meta_keys == ('img_path', 'sample_idx')


def test_every_mmrazor_binding_of_pack_crd_cls_inputs_is_the_fixed_class():
    fixed = TRANSFORMS.get('PackCRDClsInputs')
    assert mmrazor.datasets.PackCRDClsInputs is fixed
    assert mmrazor.datasets.transforms.PackCRDClsInputs is fixed
    assert not is_mmrazor_placeholder(fixed.__base__)
