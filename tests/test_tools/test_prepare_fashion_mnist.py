# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/dataset_converters/prepare_fashion_mnist.py on generated IDX files."""
import hashlib
import importlib.util
import os.path as osp

import pytest
from conftest import REPO_ROOT
from tiny_data import IDX_FILES, make_idx

TOOL = osp.join(REPO_ROOT, 'tools', 'dataset_converters',
                'prepare_fashion_mnist.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('prepare', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _md5_of_extracted(folder: str) -> dict:
    return {
        name: hashlib.md5(open(osp.join(folder, name),
                               'rb').read()).hexdigest()
        for name in IDX_FILES
    }


def test_extracts_gz_files_and_checks_their_md5(tool, tmp_path):
    expected = _md5_of_extracted(make_idx(str(tmp_path / 'plain')))
    source = make_idx(str(tmp_path / 'gz'), gz=True)
    out = str(tmp_path / 'data' / 'fashion_mnist')
    tool.prepare(source, out, expected)
    assert _md5_of_extracted(out) == expected
    # The prepared folder is what the dataset reads.
    from irg_mm.datasets import HeldOutFashionMNIST
    assert len(HeldOutFashionMNIST(out, split='test')) == 20


def test_wrong_data_is_removed_and_named(tool, tmp_path):
    source = make_idx(str(tmp_path / 'gz'), gz=True)
    out = str(tmp_path / 'out')
    expected = dict.fromkeys(IDX_FILES, '0' * 32)
    with pytest.raises(
            tool.DataPreparationError, match='does not hold the original'):
        tool.prepare(source, out, expected)
    assert not osp.exists(osp.join(out, IDX_FILES[0]))


def test_missing_files_name_both_ways_to_get_them(tmp_path, python_runner):
    result = python_runner(
        [TOOL, '--source',
         str(tmp_path), '--out',
         str(tmp_path / 'out')],
        check=False)
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()
    assert len(message) == 1
    assert 'apt-get install -y dataset-fashion-mnist' in message[0]
    assert '--source' in message[0] and 'zalandoresearch' in message[0]
