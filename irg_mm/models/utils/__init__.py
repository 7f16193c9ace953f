# Copyright (c) irg_mm contributors. All rights reserved.
from .pairwise_distance import (batch_squared_distances, compute_dtype,
                                flatten_instances, normalize_by_statistic,
                                normalize_pair, normalized_mse)
from .suggestions import nearest_names, suggest
from .validation import NORMALIZE_MODES, check_instance_features

__all__ = [
    'batch_squared_distances', 'compute_dtype', 'flatten_instances',
    'normalize_by_statistic', 'normalize_pair', 'normalized_mse',
    'check_instance_features', 'NORMALIZE_MODES', 'nearest_names', 'suggest'
]
