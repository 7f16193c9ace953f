# Copyright (c) irg_mm contributors. All rights reserved.
"""Put Fashion-MNIST's extracted IDX files where the configs read them.

mmpretrain's ``FashionMNIST`` reads the four extracted IDX files from its
``data_root`` (``data/fashion_mnist`` in irg_mm's configs).
:func:`prepare_fashion_mnist` takes them from a folder that holds the
original ``.gz`` files (or already extracted ones), such as Debian's
``dataset-fashion-mnist`` package. Every extracted file is checked against
the md5 sum of the original data set; the ``.gz`` files themselves are not
(Debian re-compressed them, so their sums differ from Zalando's).
"""
import gzip
import hashlib
import os
import os.path as osp
import shutil
from typing import Dict, Optional

from irg_mm.errors import DataPreparationError

DEBIAN_SOURCE = '/usr/share/datasets/fashion-mnist'
ZALANDO_URL = 'https://github.com/zalandoresearch/fashion-mnist'
# md5 of the extracted files of the original data set.
EXTRACTED_MD5: Dict[str, str] = {
    'train-images-idx3-ubyte': 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
    'train-labels-idx1-ubyte': '9018921c3c673c538a1fc5bad174d6f9',
    't10k-images-idx3-ubyte': '8181f5470baa50b63fa0f6fddb340f0a',
    't10k-labels-idx1-ubyte': '15d484375f8d13e6eb1aabb0c3f46965',
}


def md5sum(path: str) -> str:
    """The md5 hex digest of a file, read in chunks.

    Args:
        path (str): The file.

    Returns:
        str: 32 hex digits.
    """
    digest = hashlib.md5()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def find_idx_file(source: str, name: str) -> Optional[str]:
    """``name`` or ``name.gz`` in ``source``, extracted files first.

    Args:
        source (str): The folder to look in.
        name (str): The extracted file's name, e.g.
            ``'train-images-idx3-ubyte'``.

    Returns:
        str, optional: The path found, or None.
    """
    for candidate in (name, name + '.gz'):
        path = osp.join(source, candidate)
        if osp.isfile(path):
            return path
    return None


def _missing_data_message(source: str, name: str) -> str:
    return (
        f'{name}(.gz) not found in {source}. Get Fashion-MNIST one of two '
        f'ways: `apt-get install -y dataset-fashion-mnist` (Debian/Ubuntu, '
        f'puts it in {DEBIAN_SOURCE}), or download the four .gz files from '
        f'{ZALANDO_URL} and pass their folder with --source')


def copy_extracted(path: str, target: str) -> None:
    """Copy ``path`` to ``target``, gunzipping it if it ends in ``.gz``.

    The copy is written beside ``target`` and renamed, so an interrupted
    copy never leaves a ``target`` that looks complete.

    Args:
        path (str): The file to copy, ``.gz`` or not.
        target (str): The extracted file to write.

    Raises:
        DataPreparationError: ``path`` cannot be read or decompressed.
    """
    opener = gzip.open if path.endswith('.gz') else open
    partial = target + '.partial'
    try:
        with opener(path, 'rb') as src, open(partial, 'wb') as dst:
            shutil.copyfileobj(src, dst)
    except (OSError, EOFError) as error:
        os.remove(partial)
        raise DataPreparationError(f'cannot read {path}: {error}') from error
    os.replace(partial, target)


def prepare_fashion_mnist(
        source: str,
        out: str,
        expected_md5: Dict[str, str] = EXTRACTED_MD5) -> None:
    """Extract and verify the Fashion-MNIST files from ``source`` to ``out``.

    Files already in ``out`` with the right md5 sum are kept as they are.

    Args:
        source (str): Folder holding the four IDX files, ``.gz`` or not.
        out (str): The dataset's ``data_root``, created if needed.
        expected_md5 (Dict[str, str]): md5 of each extracted file by name.
            Defaults to the original data set's.

    Raises:
        DataPreparationError: A file is missing, unreadable or has the
            wrong md5 sum (it is then removed from ``out``); the message
            says how to get the data.

    Examples:
        The configs' ``data_root`` from Debian's package, as
        ``make fashion-mnist`` does::

            prepare_fashion_mnist(DEBIAN_SOURCE, 'data/fashion_mnist')
    """
    os.makedirs(out, exist_ok=True)
    for name, md5 in expected_md5.items():
        target = osp.join(out, name)
        if osp.isfile(target) and md5sum(target) == md5:
            continue
        path = find_idx_file(source, name)
        if path is None:
            raise DataPreparationError(_missing_data_message(source, name))
        copy_extracted(path, target)
        actual = md5sum(target)
        if actual != md5:
            os.remove(target)
            raise DataPreparationError(
                f'{path} does not hold the original Fashion-MNIST data '
                f'(md5 of the extracted file {actual}, expected {md5}); '
                f'download the files again from {ZALANDO_URL}')
