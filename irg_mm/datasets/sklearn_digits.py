# Copyright (c) irg_mm contributors. All rights reserved.
from typing import List

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from irg_mm.utils.choices import check_choice
from .stratified_split import split_indices

SPLITS = ('train', 'val')


def _to_rgb_images(images: np.ndarray, image_size: int) -> np.ndarray:
    """Scale 8x8 digits (values 0..16) to ``image_size`` RGB uint8 images."""
    import cv2
    pixels = np.clip(images * (255.0 / 16.0), 0, 255).astype(np.uint8)
    resized = [
        cv2.resize(
            img, (image_size, image_size), interpolation=cv2.INTER_LINEAR)
        for img in pixels
    ]
    return np.repeat(np.stack(resized)[..., None], 3, axis=-1)


@DATASETS.register_module()
class SklearnDigits(BaseDataset):
    """scikit-learn's handwritten digits as an mmpretrain dataset.

    The 1,797 real 8x8 digits ship inside scikit-learn
    (:func:`sklearn.datasets.load_digits`), so this dataset needs no download.
    Images are upsampled to ``image_size`` and repeated to three channels, so
    any mmpretrain classifier takes them; the train/val split is stratified
    and fixed by ``split_seed``.

    Args:
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        image_size (int): Side of the square output images. Defaults to 32.
        val_fraction (float): Share of the digits held out for validation.
            Defaults to 0.3.
        train_fraction (float): Share of the training split actually used,
            taken stratified (to make a data-poor setting). Defaults to 1.0.
        split_seed (int): Seed of the split; keep it fixed across runs that
            are compared. Defaults to 0.
        **kwargs: Passed to :class:`mmpretrain.datasets.BaseDataset`, e.g.
            ``pipeline``.

    Examples:
        >>> from irg_mm.datasets import SklearnDigits
        >>> dataset = SklearnDigits(split='val', image_size=16)
        >>> len(dataset), dataset[0]['img'].shape
        (540, (16, 16, 3))
    """

    METAINFO = {'classes': tuple(str(digit) for digit in range(10))}

    def __init__(self,
                 split: str = 'train',
                 image_size: int = 32,
                 val_fraction: float = 0.3,
                 train_fraction: float = 1.0,
                 split_seed: int = 0,
                 **kwargs) -> None:
        check_choice('split', split, SPLITS)
        if not 0.0 < train_fraction <= 1.0:
            raise ValueError('train_fraction must be in (0, 1], got '
                             f'{train_fraction}')
        self.split = split
        self.image_size = image_size
        self.val_fraction = val_fraction
        self.train_fraction = train_fraction
        self.split_seed = split_seed
        kwargs.setdefault('test_mode', split == 'val')
        super().__init__(ann_file='', **kwargs)

    def _split_indices(self, labels: np.ndarray) -> np.ndarray:
        train_idx, val_idx = split_indices(labels, self.val_fraction,
                                           self.split_seed)
        if self.split == 'val':
            return np.sort(val_idx)
        if self.train_fraction < 1.0:
            kept, _ = split_indices(labels[train_idx],
                                    1.0 - self.train_fraction, self.split_seed)
            train_idx = train_idx[kept]
        return np.sort(train_idx)

    def load_data_list(self) -> List[dict]:
        """Load the digits once and return this split's samples."""
        from sklearn.datasets import load_digits
        digits = load_digits()
        labels = digits.target.astype(np.int64)
        chosen = self._split_indices(labels)
        images = _to_rgb_images(digits.images[chosen], self.image_size)
        return [
            dict(img=image, gt_label=int(label))
            for image, label in zip(images, labels[chosen])
        ]

    def extra_repr(self) -> List[str]:
        return [
            f'Split: \t{self.split}', f'Image size: \t{self.image_size}',
            f'Train fraction: \t{self.train_fraction}'
        ]
