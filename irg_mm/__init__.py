# Copyright (c) irg_mm contributors. All rights reserved.
"""irg_mm: Instance Relationship Graph distillation for MMRazor.

Importing the package first applies the compatibility fixes (see
:mod:`irg_mm.compat`), then registers irg_mm's components in MMRazor's and
mmpretrain's registries, so configs reach them with
``custom_imports=dict(imports=['irg_mm'], allow_failed_imports=False)``.
"""
from .compat import apply_compat
from .version import __version__, version_info

apply_compat()

from . import datasets, engine, models  # noqa: E402,F401  (registries)

__all__ = ['__version__', 'version_info']
