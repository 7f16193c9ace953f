# Copyright (c) irg_mm contributors. All rights reserved.
"""Put Fashion-MNIST's extracted IDX files where the configs read them.

Takes them from Debian's ``dataset-fashion-mnist`` package by default, else
from the folder given with ``--source``, and checks the md5 sum of every
extracted file; ``irg_mm/datasets/fashion_mnist_files.py`` does the work.

Examples:
    apt-get install -y dataset-fashion-mnist    # Debian / Ubuntu, as root
    python tools/dataset_converters/prepare_fashion_mnist.py
    python tools/dataset_converters/prepare_fashion_mnist.py \
        --source ~/Downloads/fashion-mnist --out data/fashion_mnist
"""
import argparse
import sys

from irg_mm.datasets.fashion_mnist_files import (DEBIAN_SOURCE,
                                                 prepare_fashion_mnist)
from irg_mm.errors import DataPreparationError


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--source',
        default=DEBIAN_SOURCE,
        help='folder with the four IDX files (.gz or extracted)')
    parser.add_argument(
        '--out',
        default='data/fashion_mnist',
        help='where the configs read them (their data_root)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        prepare_fashion_mnist(args.source, args.out)
    except DataPreparationError as error:
        sys.exit(f'error: {error}')
    print(f'Fashion-MNIST is ready in {args.out} (md5 sums checked)')


if __name__ == '__main__':
    main()
