# Copyright (c) irg_mm contributors. All rights reserved.
"""Tiny generated data sets in the on-disk formats the configs read.

No test downloads anything: ImageNet-style folders hold a few random JPEGs
with ``meta/{train,val}.txt`` annotation files, and CIFAR folders hold
pickled batch files of random images. mmpretrain's CIFAR datasets check the
md5 of every batch file against the real release, so :func:`unchecked_cifar`
registers a subclass that skips only that comparison and otherwise reads the
files exactly as mmpretrain does.

:func:`cifar_classifier` builds the small He-ResNet classifiers that tests
distil between.
"""
import os
import os.path as osp
import pickle
from typing import Type

import cv2
import numpy as np
from mmpretrain.datasets import CIFAR10, CIFAR100
from mmpretrain.registry import DATASETS, MODELS
from torch import nn

CIFAR_SIDE = 32


def make_imagenet(root: str,
                  num_images: int = 4,
                  image_shape: tuple = (48, 64)) -> str:
    """Write an ImageNet-style folder (``train``, ``val``, ``meta``).

    Args:
        root (str): Folder to create it in.
        num_images (int): Images per split. Defaults to 4.
        image_shape (tuple): ``(H, W)`` of the random JPEGs.

    Returns:
        str: ``root``, to use as ``data_root``.
    """
    rng = np.random.default_rng(0)
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    for split in ('train', 'val'):
        os.makedirs(osp.join(root, split), exist_ok=True)
        lines = []
        for index in range(num_images):
            name = f'{split}_{index}.jpg'
            image = rng.integers(0, 256, (*image_shape, 3), dtype=np.uint8)
            cv2.imwrite(osp.join(root, split, name), image)
            lines.append(f'{name} {index}\n')
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.writelines(lines)
    return root


def make_cifar(root: str,
               dataset_cls: Type[CIFAR10],
               num_images: int = 4) -> str:
    """Write the pickled batch files of a CIFAR-10 / CIFAR-100 release.

    Args:
        root (str): Folder to create it in.
        dataset_cls (type): ``CIFAR10`` or ``CIFAR100`` (names the files).
        num_images (int): Images in every batch file. Defaults to 4.

    Returns:
        str: ``root``, to use as ``data_root``.
    """
    rng = np.random.default_rng(0)
    folder = osp.join(root, dataset_cls.base_folder)
    os.makedirs(folder, exist_ok=True)
    num_classes = len(dataset_cls.METAINFO['classes'])
    label_key = 'fine_labels' if issubclass(dataset_cls,
                                            CIFAR100) else 'labels'
    labels = [index % num_classes for index in range(num_images)]
    for name, _ in dataset_cls.train_list + dataset_cls.test_list:
        images = rng.integers(
            0, 256, (num_images, 3 * CIFAR_SIDE**2), dtype=np.uint8)
        entry = {'data': images, label_key: labels}
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(entry, f)
    return root


def unchecked_cifar(dataset_cls: Type[CIFAR10]) -> str:
    """Register ``dataset_cls`` without the md5 comparison of its files.

    Args:
        dataset_cls (type): ``CIFAR10`` or ``CIFAR100``.

    Returns:
        str: The registered type name, for ``dataset.type``.
    """

    def without_md5(files):
        return [[name, None] for name, _ in files]

    name = f'Unchecked{dataset_cls.__name__}'
    subclass = type(
        name, (dataset_cls, ),
        dict(
            train_list=without_md5(dataset_cls.train_list),
            test_list=without_md5(dataset_cls.test_list),
            meta=dict(dataset_cls.meta, md5=None)))
    DATASETS.register_module(name=name, module=subclass, force=True)
    return name


IDX_FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
             't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')


def _idx_bytes(array: np.ndarray) -> bytes:
    """An unsigned-byte IDX file: magic (type 0x08, ndim), sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim])
    sizes = b''.join(int(n).to_bytes(4, 'big') for n in array.shape)
    return header + sizes + array.astype(np.uint8).tobytes()


def make_idx(root: str,
             train_per_class: int = 4,
             test_per_class: int = 2,
             gz: bool = False) -> str:
    """Write an (Fashion-)MNIST release of random 28x28 images.

    Labels cycle over the 10 classes; each test image holds the value 255 at
    pixel (0, 0) and each training image 0 there, so a test can tell which
    file an image came from.

    Args:
        root (str): Folder to create it in.
        train_per_class (int): Training images per class. Defaults to 4.
        test_per_class (int): Test images per class. Defaults to 2.
        gz (bool): Write gzip-compressed ``.gz`` files, as the releases are.

    Returns:
        str: ``root``, to use as ``data_root`` (or a ``--source``).
    """
    import gzip
    rng = np.random.default_rng(0)
    os.makedirs(root, exist_ok=True)
    arrays = []
    for per_class, marker in ((train_per_class, 0), (test_per_class, 255)):
        labels = np.arange(10 * per_class) % 10
        images = rng.integers(0, 255, (len(labels), 28, 28))
        images[:, 0, 0] = marker
        arrays += [images, labels]
    for name, array in zip(IDX_FILES, arrays):
        data = _idx_bytes(array)
        path = osp.join(root, name + ('.gz' if gz else ''))
        with (gzip.open if gz else open)(path, 'wb') as f:
            f.write(data)
    return root


def cifar_classifier(depth: int, width: int) -> nn.Module:
    """A He ResNet for 10 classes, e.g. ``(8, 8)`` student, ``(20, 16)``
    teacher.

    Args:
        depth (int): ``6n + 2`` layers.
        width (int): Channels of the first stage.

    Returns:
        nn.Module: mmpretrain's ``ImageClassifier``.
    """
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='HeResNetCIFAR', depth=depth, base_channels=width),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead', num_classes=10, in_channels=4 * width)))


def tiny_fashion_options(root: str, val_interval: int = 2) -> list:
    """``--cfg-options`` that train the Fashion-MNIST configs for 2 epochs on
    the IDX files :func:`make_idx` wrote, with 10 validation images.

    Args:
        root (str): The IDX folder, for every split's ``data_root``.
        val_interval (int): Validate (and checkpoint) every this many
            epochs. Defaults to 2.

    Returns:
        list: ``KEY=VALUE`` items.
    """
    options = [
        'train_cfg.max_epochs=2', f'train_cfg.val_interval={val_interval}',
        'default_hooks.logger.interval=1',
        f'default_hooks.checkpoint.interval={val_interval}'
    ]
    options += [
        f'{loader}_dataloader.dataset.data_root={root}'
        for loader in ('train', 'val', 'test')
    ]
    return options + [
        f'{loader}_dataloader.dataset.val_size=10'
        for loader in ('train', 'val')
    ]
