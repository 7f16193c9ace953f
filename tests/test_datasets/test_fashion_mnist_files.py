# Copyright (c) irg_mm contributors. All rights reserved.
"""Fashion-MNIST's IDX files put in place from generated ones."""
import hashlib
import os.path as osp

import pytest
from tiny_data import IDX_FILES, make_idx

from irg_mm.datasets import HeldOutFashionMNIST
from irg_mm.datasets.fashion_mnist_files import prepare_fashion_mnist
from irg_mm.errors import DataPreparationError


def _md5_of_extracted(folder: str) -> dict:
    return {
        name: hashlib.md5(open(osp.join(folder, name),
                               'rb').read()).hexdigest()
        for name in IDX_FILES
    }


def test_extracts_gz_files_and_checks_their_md5(tmp_path):
    expected = _md5_of_extracted(make_idx(str(tmp_path / 'plain')))
    source = make_idx(str(tmp_path / 'gz'), gz=True)
    out = str(tmp_path / 'data' / 'fashion_mnist')
    prepare_fashion_mnist(source, out, expected)
    assert _md5_of_extracted(out) == expected
    # The prepared folder is what the dataset reads.
    assert len(HeldOutFashionMNIST(out, split='test')) == 20


def test_wrong_data_is_removed_and_named(tmp_path):
    source = make_idx(str(tmp_path / 'gz'), gz=True)
    out = str(tmp_path / 'out')
    expected = dict.fromkeys(IDX_FILES, '0' * 32)
    with pytest.raises(
            DataPreparationError, match='does not hold the original'):
        prepare_fashion_mnist(source, out, expected)
    assert not osp.exists(osp.join(out, IDX_FILES[0]))


def test_missing_files_name_both_ways_to_get_them(tmp_path):
    with pytest.raises(DataPreparationError) as error:
        prepare_fashion_mnist(str(tmp_path), str(tmp_path / 'out'))
    message = str(error.value)
    # The preparation tool prints it as its one error line.
    assert '\n' not in message
    assert 'apt-get install -y dataset-fashion-mnist' in message
    assert '--source' in message and 'zalandoresearch' in message
