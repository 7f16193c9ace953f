# Copyright (c) irg_mm contributors. All rights reserved.
from .pairwise_distance import (batch_squared_distances, compute_dtype,
                                flatten_instances, normalize_by_max,
                                normalize_pair, normalized_mse)
from .suggestions import nearest_names, suggest
from .validation import check_instance_features, check_normalize_mode

__all__ = [
    'batch_squared_distances', 'compute_dtype', 'flatten_instances',
    'normalize_by_max', 'normalize_pair', 'normalized_mse', 'check_instance_features',
    'check_normalize_mode', 'nearest_names', 'suggest'
]
