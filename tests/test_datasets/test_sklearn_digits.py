# Copyright (c) irg_mm contributors. All rights reserved.
"""SklearnDigits: scikit-learn's 1,797 digits, split stratified and fixed."""
import numpy as np
import pytest
from mmpretrain.registry import DATASETS
from sklearn.datasets import load_digits

from irg_mm.datasets import SklearnDigits

NUM_DIGITS = 1797
# train_test_split rounds the held-out share up: ceil(0.3 * 1797).
NUM_VAL = 540


@pytest.fixture(scope='module')
def digits():
    return load_digits()


def _build(**kwargs) -> SklearnDigits:
    # Side 8 keeps the original pixels, so samples can be told apart.
    return SklearnDigits(
        image_size=kwargs.pop('image_size', 8), serialize_data=False, **kwargs)


def _indices(dataset: SklearnDigits, digits) -> np.ndarray:
    """Which of scikit-learn's digits each sample is (the 8x8 images are all
    distinct), found from the pixels alone."""
    scaled = (digits.images * (255 / 16)).astype(np.uint8)
    index_of = {image.tobytes(): index for index, image in enumerate(scaled)}
    return np.array([
        index_of[np.ascontiguousarray(info['img'][..., 0]).tobytes()]
        for info in dataset.data_list
    ])


def test_train_and_val_split_every_digit_once(digits):
    train, val = _build(split='train'), _build(split='val')
    assert (len(train), len(val)) == (NUM_DIGITS - NUM_VAL, NUM_VAL)
    train_idx, val_idx = _indices(train, digits), _indices(val, digits)
    assert not set(train_idx) & set(val_idx)
    assert sorted({*train_idx, *val_idx}) == list(range(NUM_DIGITS))
    # Labels are the digits' own.
    labels = np.array([info['gt_label'] for info in val.data_list])
    np.testing.assert_array_equal(labels, digits.target[val_idx])


def test_split_is_stratified(digits):
    val = _build(split='val', val_fraction=0.5)
    counts = np.bincount([info['gt_label'] for info in val.data_list])
    expected = np.bincount(digits.target) / 2
    assert np.abs(counts - expected).max() <= 1


def test_split_is_fixed_by_its_seed(digits):
    first = _indices(_build(split='val', split_seed=3), digits)
    again = _indices(_build(split='val', split_seed=3), digits)
    other = _indices(_build(split='val', split_seed=4), digits)
    np.testing.assert_array_equal(first, again)
    assert set(first) != set(other)


def test_train_fraction_keeps_a_stratified_part_of_the_train_split(digits):
    full = set(_indices(_build(split='train'), digits))
    part = _build(split='train', train_fraction=0.2)
    kept = _indices(part, digits)
    assert set(kept) <= full
    assert len(kept) == pytest.approx(0.2 * len(full), abs=1)
    counts = np.bincount(digits.target[kept], minlength=10)
    assert np.abs(counts - np.bincount(digits.target) * 0.7 * 0.2).max() <= 2
    # The validation split does not change with it.
    np.testing.assert_array_equal(
        _indices(_build(split='val', train_fraction=0.2), digits),
        _indices(_build(split='val'), digits))


def test_images_are_upsampled_rgb_uint8(digits):
    val = _build(split='val', image_size=32)
    image = val.data_list[0]['img']
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8
    assert (image == image[..., :1]).all()
    # Pixel values 0..16 are scaled to 0..255: the 8x8 pixels themselves
    # at side 8.
    small = _build(split='val').data_list[0]['img'][..., 0]
    index = _indices(_build(split='val'), digits)[0]
    np.testing.assert_array_equal(small, (digits.images[index] *
                                          (255 / 16)).astype(np.uint8))
    assert small.max() == 255


def test_val_split_is_in_test_mode():
    assert _build(split='val').test_mode
    assert not _build(split='train').test_mode


@pytest.mark.parametrize('kwargs, match', [
    (dict(split='test'), "split must be one of \\('train', 'val'\\)"),
    (dict(train_fraction=0.0), r'train_fraction must be in \(0, 1\]'),
    (dict(train_fraction=1.5), r'train_fraction must be in \(0, 1\]'),
])
def test_invalid_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SklearnDigits(**kwargs)


def test_built_from_a_config_with_a_pipeline():
    dataset = DATASETS.build(
        dict(
            type='SklearnDigits',
            split='val',
            image_size=16,
            pipeline=[dict(type='PackInputs')]))
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 16, 16)
    assert dataset.metainfo['classes'] == tuple('0123456789')
