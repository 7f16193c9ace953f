# Copyright (c) irg_mm contributors. All rights reserved.
"""``importlib``-based package look-ups for mmengine on setuptools >= 82.

mmengine 0.10.7 resolves ``mmpretrain::`` config paths with ``pkg_resources``,
which setuptools 82 stopped shipping. The two functions below do the same
look-ups with :mod:`importlib.metadata` and replace mmengine's versions, also
the copies already bound by name in ``mmengine.config.config`` and
``mmengine.hub.hub``.
"""
import importlib.metadata
import importlib.util
import os.path as osp
from typing import Optional

PATCHED_MODULES = ('mmengine.utils', 'mmengine.utils.package_utils',
                   'mmengine.config.config', 'mmengine.hub.hub')


def _distribution(package: str) -> Optional[importlib.metadata.Distribution]:
    try:
        return importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _top_level_module(dist: importlib.metadata.Distribution,
                      package: str) -> str:
    top_level = dist.read_text('top_level.txt')
    if top_level and top_level.split():
        return top_level.split()[0]
    # Wheels built without top_level.txt: the import name is the
    # distribution name with dashes turned into underscores.
    return package.replace('-', '_')


def is_installed(package: str) -> bool:
    """Whether a distribution or an importable module of that name exists.

    Args:
        package (str): Distribution or module name, e.g. ``'mmpretrain'``.

    Returns:
        bool: True if it is installed or importable.
    """
    if _distribution(package) is not None:
        return True
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """Directory of an installed package, as mmengine's original returns it.

    Args:
        package (str): Distribution name (``'mmcv-lite'``) or module name.

    Returns:
        str: Path of the package's module directory.

    Raises:
        ModuleNotFoundError: If no such distribution or module exists.
    """
    dist = _distribution(package)
    if dist is not None:
        location = str(dist.locate_file(''))
        module = _top_level_module(dist, package)
        for name in (package, module):
            if osp.isdir(osp.join(location, name)):
                return osp.join(location, name)
        # An editable install (pip install -e) keeps the package in its
        # checkout, outside the distribution's location: ask the importer.
        package = module
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ModuleNotFoundError(f'package {package!r} is not installed')
    if spec.origin is None:
        raise RuntimeError(f'{package} is a namespace package, which is '
                           'invalid for `get_installed_path`')
    return osp.dirname(spec.origin)


def patch_mmengine_package_utils() -> None:
    """Point mmengine's package look-ups at the importlib versions."""
    import importlib as _importlib
    for module_name in PATCHED_MODULES:
        module = _importlib.import_module(module_name)
        for name, func in (('is_installed', is_installed),
                           ('get_installed_path', get_installed_path)):
            if hasattr(module, name):
                setattr(module, name, func)
