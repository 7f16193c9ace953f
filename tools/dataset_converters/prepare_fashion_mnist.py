# Copyright (c) irg_mm contributors. All rights reserved.
"""Put Fashion-MNIST's extracted IDX files where the configs read them.

mmpretrain's ``FashionMNIST`` reads the four extracted IDX files from its
``data_root`` (``data/fashion_mnist`` in irg_mm's configs). This tool takes
them from a folder that holds the original ``.gz`` files (or already
extracted ones): by default Debian's ``dataset-fashion-mnist`` package, else
the folder given with ``--source``. Every extracted file is checked against
the md5 sum of the original data set; the ``.gz`` files themselves are not
(Debian re-compressed them, so their sums differ from Zalando's).

Examples:
    apt-get install -y dataset-fashion-mnist    # Debian / Ubuntu, as root
    python tools/dataset_converters/prepare_fashion_mnist.py
    python tools/dataset_converters/prepare_fashion_mnist.py \
        --source ~/Downloads/fashion-mnist --out data/fashion_mnist
"""
import argparse
import gzip
import hashlib
import os
import os.path as osp
import shutil
import sys
from typing import Dict, Optional, Sequence

DEBIAN_SOURCE = '/usr/share/datasets/fashion-mnist'
ZALANDO_URL = 'https://github.com/zalandoresearch/fashion-mnist'
# md5 of the extracted files of the original data set.
EXTRACTED_MD5: Dict[str, str] = {
    'train-images-idx3-ubyte': 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
    'train-labels-idx1-ubyte': '9018921c3c673c538a1fc5bad174d6f9',
    't10k-images-idx3-ubyte': '8181f5470baa50b63fa0f6fddb340f0a',
    't10k-labels-idx1-ubyte': '15d484375f8d13e6eb1aabb0c3f46965',
}


class DataPreparationError(RuntimeError):
    """The files cannot be found, read or verified."""


def md5sum(path: str) -> str:
    """The md5 hex digest of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def find_file(source: str, name: str) -> Optional[str]:
    """``name`` or ``name.gz`` in ``source``, extracted files first."""
    for candidate in (name, name + '.gz'):
        path = osp.join(source, candidate)
        if osp.isfile(path):
            return path
    return None


def missing_data_message(source: str, name: str) -> str:
    return (
        f'{name}(.gz) not found in {source}. Get Fashion-MNIST one of two '
        f'ways: `apt-get install -y dataset-fashion-mnist` (Debian/Ubuntu, '
        f'puts it in {DEBIAN_SOURCE}), or download the four .gz files from '
        f'{ZALANDO_URL} and pass their folder with --source')


def copy_extracted(path: str, target: str) -> None:
    """Copy ``path`` to ``target``, gunzipping it if it ends in ``.gz``."""
    opener = gzip.open if path.endswith('.gz') else open
    partial = target + '.partial'
    try:
        with opener(path, 'rb') as src, open(partial, 'wb') as dst:
            shutil.copyfileobj(src, dst)
    except (OSError, EOFError) as error:
        os.remove(partial)
        raise DataPreparationError(f'cannot read {path}: {error}') from error
    os.replace(partial, target)


def prepare(source: str,
            out: str,
            expected_md5: Dict[str, str] = EXTRACTED_MD5) -> None:
    """Extract and verify the Fashion-MNIST files from ``source`` to ``out``.

    Files already in ``out`` with the right md5 sum are kept as they are.

    Args:
        source (str): Folder holding the four IDX files, ``.gz`` or not.
        out (str): The dataset's ``data_root``, created if needed.
        expected_md5 (Dict[str, str]): md5 of each extracted file by name.

    Raises:
        DataPreparationError: A file is missing, unreadable or has the
            wrong md5 sum; the message says how to get the data.
    """
    os.makedirs(out, exist_ok=True)
    for name, md5 in expected_md5.items():
        target = osp.join(out, name)
        if osp.isfile(target) and md5sum(target) == md5:
            continue
        path = find_file(source, name)
        if path is None:
            raise DataPreparationError(missing_data_message(source, name))
        copy_extracted(path, target)
        actual = md5sum(target)
        if actual != md5:
            os.remove(target)
            raise DataPreparationError(
                f'{path} does not hold the original Fashion-MNIST data '
                f'(md5 of the extracted file {actual}, expected {md5}); '
                f'download the files again from {ZALANDO_URL}')


def parse_args(argv: Sequence[str] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--source',
        default=DEBIAN_SOURCE,
        help='folder with the four IDX files (.gz or extracted)')
    parser.add_argument(
        '--out',
        default='data/fashion_mnist',
        help='where the configs read them (their data_root)')
    return parser.parse_args(argv)


def main(argv: Sequence[str] = None) -> None:
    args = parse_args(argv)
    try:
        prepare(args.source, args.out)
    except DataPreparationError as error:
        sys.exit(f'error: {error}')
    print(f'Fashion-MNIST is ready in {args.out} (md5 sums checked)')


if __name__ == '__main__':
    main()
