# Copyright (c) irg_mm contributors. All rights reserved.
"""``irg_mm::`` config paths, read from the configs shipped in the package.

OpenMMLab packages ship their configs inside the package, as
``<package>/.mim/configs`` (irg_mm's ``setup.py`` links or copies them there
at install), and mmengine reads ``package::path`` from there, in ``_base_``
and in :func:`mmengine.hub.get_config`. mmengine 0.10.7 knows only the
packages of its ``MODULE2PACKAGE`` table, and stamps the package name as the
``_scope_`` of every dict a ``package::`` base brings in. irg_mm has no
registry scope of its own (its components live in MMRazor's and mmpretrain's
registries), so :func:`patch_packaged_config_paths` adds irg_mm to the
table and reads an ``irg_mm::`` base like a relative one: with the scopes of
the config that includes it. It also stops :func:`mmengine.hub.get_config`
from running ``pip install`` for a missing package a ``package::`` path names.
"""
import difflib
import functools
import glob
import os.path as osp
from typing import Any, Callable, List, Optional, Tuple

import mmengine.hub
import mmengine.hub.hub
from mmengine.config import Config
from mmengine.config.utils import MODULE2PACKAGE

from .package_paths import get_installed_path, is_installed

PACKAGE = 'irg_mm'
PREFIX = f'{PACKAGE}::'
# Marks the mmengine callables wrapped here, so applying twice is a no-op.
PATCHED = '_irg_mm_packaged_configs'


def patch_once(owner: Any, name: str, make: Callable[[Callable], Callable],
               marker: str) -> None:
    """Replace ``owner.name`` by ``make(original)`` unless already done.

    Static methods stay static methods. The marker is copied along by
    :func:`functools.wraps`, so wrappers of other patches stacked on top
    keep saying that this one is applied.

    Args:
        owner (Any): Module or class that holds the callable.
        name (str): Its attribute name.
        make (Callable): Takes the original, returns the replacement.
        marker (str): Attribute that marks this patch as applied.
    """
    attribute = vars(owner).get(name, getattr(owner, name))
    is_static = isinstance(attribute, staticmethod)
    original = attribute.__func__ if is_static else attribute
    if getattr(original, marker, False):
        return
    wrapper = functools.wraps(original)(make(original))
    setattr(wrapper, marker, True)
    setattr(owner, name, staticmethod(wrapper) if is_static else wrapper)


def packaged_configs_root(package: str) -> str:
    """The folder ``package::`` config paths are read from."""
    return osp.join(get_installed_path(package), '.mim', 'configs')


def packaged_config_names(package: str) -> List[str]:
    """Every config a package ships, as paths relative to its root."""
    root = packaged_configs_root(package)
    paths = glob.glob(osp.join(root, '**', '*.py'), recursive=True)
    return sorted(osp.relpath(path, root) for path in paths)


def find_packaged_config(package: str, name: str) -> str:
    """The file of config ``name`` shipped in ``package``.

    Args:
        package (str): Module name, e.g. ``'mmpretrain'``.
        name (str): Path relative to the package's configs, e.g.
            ``'resnet/resnet18_8xb32_in1k.py'``.

    Returns:
        str: Absolute path of the config file.

    Raises:
        FileNotFoundError: The package ships no such config; the message
            names the nearest ones.

    Examples:
        >>> find_packaged_config('mmpretrain', 'resnet/resnet18_8xb32_in1k.py')
        '.../mmpretrain/.mim/configs/resnet/resnet18_8xb32_in1k.py'
    """
    path = osp.join(packaged_configs_root(package), name)
    if osp.isfile(path):
        return path
    nearest = difflib.get_close_matches(
        name, packaged_config_names(package), n=3, cutoff=0.6)
    raise FileNotFoundError(f'{package} ships no config {name!r} (nearest: '
                            f'{nearest})')


def _irg_mm_config(cfg_path: str) -> Optional[str]:
    """The file of an ``irg_mm::`` path; None for any other path."""
    if not cfg_path.startswith(PREFIX):
        return None
    if not osp.isdir(packaged_configs_root(PACKAGE)):
        raise FileNotFoundError(
            f'{cfg_path}: irg_mm has no packaged configs '
            f'({packaged_configs_root(PACKAGE)} is missing); install irg_mm '
            'with `pip install .`, or `make install` in a checkout')
    try:
        return find_packaged_config(PACKAGE, cfg_path[len(PREFIX):])
    except FileNotFoundError as error:
        raise FileNotFoundError(f'{cfg_path}: {error}') from None


def refuse_to_install(package: str) -> None:
    """Stand-in for mmengine's ``install_package`` in its config hub.

    Args:
        package (str): Distribution a ``package::`` config path needs.

    Raises:
        ModuleNotFoundError: It is not installed; loading a config never
            installs packages (mmengine would run ``pip install``).
    """
    if not is_installed(package):
        raise ModuleNotFoundError(
            f'{package} is not installed, and `{package}::` config paths '
            f'read its packaged configs: install it first (pip install '
            f'{package}), or give a local config file')


def patch_packaged_config_paths() -> None:
    """Make mmengine read ``irg_mm::`` paths and never install a package.

    Safe to call more than once.

    Examples:
        >>> patch_packaged_config_paths()
        >>> cfg = mmengine.hub.get_config('irg_mm::digits/resnet20_digits.py')
    """
    MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)

    def make_get_cfg_path(original: Callable) -> Callable:

        def _get_cfg_path(cfg_path: str,
                          filename: str) -> Tuple[str, Optional[str]]:
            path = _irg_mm_config(cfg_path)
            return (path, None) if path else original(cfg_path, filename)

        return _get_cfg_path

    def make_get_config(original: Callable) -> Callable:

        def get_config(cfg_path: str, *args, **kwargs) -> Config:
            # Checked first: mmengine's own errors name neither the missing
            # install nor the nearest configs.
            _irg_mm_config(cfg_path)
            return original(cfg_path, *args, **kwargs)

        return get_config

    mmengine.hub.hub.install_package = refuse_to_install
    patch_once(Config, '_get_cfg_path', make_get_cfg_path, PATCHED)
    for module in (mmengine.hub.hub, mmengine.hub):
        patch_once(module, 'get_config', make_get_config, PATCHED)
