# Copyright (c) irg_mm contributors. All rights reserved.
from typing import List, Optional

import numpy as np
from mmpretrain.datasets import MNIST, FashionMNIST
from mmpretrain.registry import DATASETS

from irg_mm.utils.choices import check_choice
from .stratified_split import split_indices

SPLITS = ('train', 'val', 'test')


class HeldOutSplitMixin:
    """Train / val / test splits of an MNIST-style IDX dataset.

    mmpretrain's ``MNIST`` and ``FashionMNIST`` pick their files by
    ``test_mode``, not by ``split``: ``split='test'`` alone silently loads the
    60,000 training images. This mixin takes one ``split`` and sets both, so
    ``'test'`` always reads the ``t10k`` files. ``'val'`` is a stratified,
    seeded hold-out of the training files and ``'train'`` the rest
    (optionally a stratified subset of it), so anything tuned on ``'val'``
    never sees the test images.

    Args:
        data_root (str): Folder with the four extracted IDX files.
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'train'``.
        val_size (int): Training images held out as ``'val'``, the same
            number of each class. Defaults to 5000.
        train_size (int, optional): Keep only this many of the remaining
            training images (stratified). Defaults to None (all of them).
        split_seed (int): Seed of the hold-out and of the subset; keep it
            fixed across runs that are compared. Defaults to 0.
        download (bool): Let mmpretrain download missing files (needs
            internet). Defaults to False.
        **kwargs: Other arguments of the mmpretrain dataset, e.g.
            ``pipeline``.
    """

    #: How to get the files when they are missing.
    missing_files_hint = ('put the four extracted IDX files in data_root, '
                          'or set download=True on a machine with internet')

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 val_size: int = 5000,
                 train_size: Optional[int] = None,
                 split_seed: int = 0,
                 download: bool = False,
                 **kwargs) -> None:
        check_choice('split', split, SPLITS)
        if kwargs.pop('test_mode', split == 'test') != (split == 'test'):
            raise ValueError(
                f'{type(self).__name__} sets test_mode from split; remove '
                f'test_mode from the dataset config (split={split!r})')
        self.held_out_split = split
        self.val_size = val_size
        self.train_size = train_size
        self.split_seed = split_seed
        super().__init__(
            data_root=data_root,
            split='test' if split == 'test' else 'train',
            test_mode=split == 'test',
            download=download,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read this split's files and return this split's samples."""
        if not self.download and not self._check_exists():
            raise FileNotFoundError(
                f'{type(self).__name__}: no IDX files in '
                f'{self.data_prefix["root"]!r}; {self.missing_files_hint}')
        data_list = super().load_data_list()
        if self.held_out_split == 'test':
            return data_list
        labels = np.array([int(info['gt_label']) for info in data_list])
        train_idx, val_idx = split_indices(labels, self.val_size,
                                           self.split_seed)
        if self.held_out_split == 'val':
            return [data_list[i] for i in np.sort(val_idx)]
        if self.train_size is not None and self.train_size < len(train_idx):
            _, kept = split_indices(labels[train_idx], self.train_size,
                                    self.split_seed)
            train_idx = train_idx[kept]
        return [data_list[i] for i in np.sort(train_idx)]

    def extra_repr(self) -> List[str]:
        return [
            f'Split: \t{self.held_out_split}', f'Val size: \t{self.val_size}',
            f'Train size: \t{self.train_size or "all"}'
        ]


@DATASETS.register_module()
class HeldOutFashionMNIST(HeldOutSplitMixin, FashionMNIST):
    """Fashion-MNIST with a held-out validation split.

    See :class:`HeldOutSplitMixin` for the arguments.

    Examples:
        >>> # After `make fashion-mnist` wrote the IDX files:
        >>> from irg_mm.datasets import HeldOutFashionMNIST
        >>> val = HeldOutFashionMNIST(  # doctest: +SKIP
        ...     'data/fashion_mnist', split='val')
        >>> test = HeldOutFashionMNIST(  # doctest: +SKIP
        ...     'data/fashion_mnist', split='test')
        >>> len(val), len(test), val[0]['img'].shape  # doctest: +SKIP
        (5000, 10000, (28, 28))
    """

    missing_files_hint = (
        'run `make fashion-mnist` (it reads Debian\'s dataset-fashion-mnist '
        'package) or `python tools/dataset_converters/'
        'prepare_fashion_mnist.py --source DIR` with the downloaded files')


@DATASETS.register_module()
class HeldOutMNIST(HeldOutSplitMixin, MNIST):
    """MNIST with a held-out validation split.

    See :class:`HeldOutSplitMixin` for the arguments.
    """
