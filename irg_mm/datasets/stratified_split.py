# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Sequence, Union

import numpy as np


def split_indices(labels: np.ndarray, held_out: Union[float, int],
                  seed: int) -> Sequence[np.ndarray]:
    """Stratified, seeded split of ``range(len(labels))`` in two.

    Args:
        labels (np.ndarray): One class label per sample.
        held_out (float | int): Share (float in (0, 1)) or number (int) of
            samples in the second part.
        seed (int): Seed of the split; the same seed gives the same split.

    Returns:
        Sequence[np.ndarray]: The kept and the held-out indices, each with
        the class proportions of ``labels``.

    Examples:
        >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
        >>> kept, held = split_indices(labels, 2, seed=0)
        >>> sorted(labels[held].tolist())
        [0, 1]
    """
    from sklearn.model_selection import train_test_split
    indices = np.arange(len(labels))
    return train_test_split(
        indices, test_size=held_out, stratify=labels, random_state=seed)
