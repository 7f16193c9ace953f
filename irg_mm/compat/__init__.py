# Copyright (c) irg_mm contributors. All rights reserved.
"""Fixes that make MMRazor 1.0.0 and mmengine 0.10.7 run on today's stack.

:func:`apply_compat` runs once when ``irg_mm`` is imported, before MMRazor is
touched. Each fix is small, idempotent and tested in ``tests/test_compat``.
"""
import warnings

from irg_mm.errors import (CheckpointDownloadError, CorruptCheckpointError,
                           MMRazorQuantizationUnavailable,
                           UnsafeCheckpointError,
                           UnsupportedCheckpointSchemeError)
from .atomic_checkpoint import install_atomic_writes
from .mmcls_alias import alias_mmcls_to_mmpretrain
from .mmrazor_dkd import patch_dkd_loss_reduction
from .mmrazor_hook_points import check_hook_points_on_prepare
from .mmrazor_inplace import patch_set_module_inplace_false
from .mmrazor_placeholders import point_mmcls_placeholders_at_mmpretrain
from .mmrazor_quantization import install_stand_in
from .mmrazor_record_index import patch_record_data_errors
from .package_paths import patch_mmengine_package_utils
from .packaged_configs import patch_packaged_config_paths
from .remote_checkpoint import install_safe_loaders
from .safe_checkpoint import install_safe_globals, safe_torch_load


def apply_compat() -> None:
    """Apply every compatibility fix; safe to call more than once."""
    # mmcv-lite (the pure-Python mmcv that the pinned set installs) warns on
    # every import that its compiled detection ops are absent; distillation
    # of classifiers never uses them.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    install_stand_in()
    patch_mmengine_package_utils()
    patch_packaged_config_paths()
    alias_mmcls_to_mmpretrain()
    install_safe_globals()
    install_safe_loaders()
    install_atomic_writes()
    # These import MMRazor, so they come after the stand-in above.
    patch_set_module_inplace_false()
    point_mmcls_placeholders_at_mmpretrain()
    patch_dkd_loss_reduction()
    check_hook_points_on_prepare()
    patch_record_data_errors()


__all__ = [
    'apply_compat', 'safe_torch_load', 'UnsafeCheckpointError',
    'CorruptCheckpointError', 'CheckpointDownloadError',
    'UnsupportedCheckpointSchemeError', 'MMRazorQuantizationUnavailable'
]
