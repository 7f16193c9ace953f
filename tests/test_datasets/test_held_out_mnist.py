# Copyright (c) irg_mm contributors. All rights reserved.
"""The held-out splits read the real IDX format through mmpretrain's code."""
import numpy as np
import pytest
from mmpretrain.datasets import FashionMNIST
from mmpretrain.registry import DATASETS
from tiny_data import make_idx

from irg_mm.datasets import HeldOutFashionMNIST, HeldOutMNIST

TRAIN_PER_CLASS, TEST_PER_CLASS, VAL_SIZE = 6, 3, 20


@pytest.fixture(scope='module')
def root(tmp_path_factory) -> str:
    return make_idx(
        str(tmp_path_factory.mktemp('idx')), TRAIN_PER_CLASS, TEST_PER_CLASS)


def _build(root: str, dataset_cls=HeldOutFashionMNIST, **kwargs):
    return dataset_cls(
        data_root=root, val_size=VAL_SIZE, serialize_data=False, **kwargs)


def _labels(dataset) -> np.ndarray:
    return np.array([int(info['gt_label']) for info in dataset.data_list])


def _markers(dataset) -> set:
    return {int(info['img'][0, 0]) for info in dataset.data_list}


def test_mmpretrain_test_split_alone_reads_the_training_files(root):
    """The trap this dataset exists for: still there in mmpretrain."""
    dataset = FashionMNIST(data_root=root, split='test', download=False)
    assert len(dataset) == 10 * TRAIN_PER_CLASS


@pytest.mark.parametrize('dataset_cls', [HeldOutFashionMNIST, HeldOutMNIST])
def test_test_split_reads_the_t10k_files(root, dataset_cls):
    test = _build(root, dataset_cls, split='test')
    assert len(test) == 10 * TEST_PER_CLASS
    assert _markers(test) == {255}


def test_val_and_train_split_the_training_files_stratified(root):
    train, val = _build(root, split='train'), _build(root, split='val')
    assert len(val) == VAL_SIZE
    assert len(train) + len(val) == 10 * TRAIN_PER_CLASS
    assert _markers(train) == _markers(val) == {0}
    assert np.bincount(_labels(val)).tolist() == [VAL_SIZE // 10] * 10
    images = {info['img'].tobytes() for info in train.data_list}
    assert not images & {info['img'].tobytes() for info in val.data_list}


def test_split_is_fixed_by_its_seed(root):
    first = _build(root, split='val', split_seed=0)
    again = _build(root, split='val', split_seed=0)
    other = _build(root, split='val', split_seed=1)
    same = [
        np.array_equal(a['img'], b['img'])
        for a, b in zip(first.data_list, again.data_list)
    ]
    assert all(same)
    assert {i['img'].tobytes() for i in first.data_list} != \
        {i['img'].tobytes() for i in other.data_list}


def test_train_size_keeps_a_stratified_subset(root):
    train = _build(root, split='train', train_size=20)
    assert np.bincount(_labels(train)).tolist() == [2] * 10


def test_registered_and_built_from_a_config(root):
    dataset = DATASETS.build(
        dict(
            type='HeldOutFashionMNIST',
            data_root=root,
            split='val',
            val_size=VAL_SIZE,
            pipeline=[dict(type='PackInputs')]))
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (1, 28, 28)


def test_missing_files_name_the_preparation_step(tmp_path):
    with pytest.raises(FileNotFoundError, match='make fashion-mnist'):
        _build(str(tmp_path), split='train')


@pytest.mark.parametrize('kwargs, match', [
    (dict(split='valid'), 'split must be one of'),
    (dict(split='test', test_mode=False), 'remove test_mode'),
])
def test_bad_arguments_say_what_to_change(root, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _build(root, **kwargs)
