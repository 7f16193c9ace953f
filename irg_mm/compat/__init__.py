# Copyright (c) irg_mm contributors. All rights reserved.
"""Fixes that make MMRazor 1.0.0 and mmengine 0.10.7 run on today's stack.

:func:`apply_compat` runs once when ``irg_mm`` is imported, before MMRazor is
touched. Each fix is small, idempotent and tested in ``tests/test_compat``.
"""
import warnings

from .mmrazor_quantization import (MMRazorQuantizationUnavailable,
                                   install_stand_in)
from .package_paths import patch_mmengine_package_utils
from .safe_checkpoint import (CorruptCheckpointError, UnsafeCheckpointError,
                              install_safe_globals, install_safe_local_loader,
                              safe_torch_load)


def apply_compat() -> None:
    """Apply every compatibility fix; safe to call more than once."""
    # mmcv-lite (the pure-Python mmcv that the pinned set installs) warns on
    # every import that its compiled detection ops are absent; distillation
    # of classifiers never uses them.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    install_stand_in()
    patch_mmengine_package_utils()
    install_safe_globals()
    install_safe_local_loader()


__all__ = [
    'apply_compat', 'safe_torch_load', 'UnsafeCheckpointError',
    'CorruptCheckpointError', 'MMRazorQuantizationUnavailable'
]
