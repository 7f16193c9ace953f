# Copyright (c) irg_mm contributors. All rights reserved.
"""Read ``mmcls`` names as mmpretrain's where mmcls is not installed.

MMClassification 1.x (``mmcls``) was renamed mmpretrain, but MMRazor 1.0.0's
configs name it everywhere: ``mmcls::`` config paths (in ``_base_`` and in
the ``cfg_path`` of student and teacher dicts), ``mmcls.``-prefixed types,
``_scope_='mmcls'`` and ``default_scope='mmcls'``. Without mmcls each of them
fails (``ModuleNotFoundError: mmcls is not installed``). When mmcls is
absent, :func:`alias_mmcls_to_mmpretrain` makes mmengine read all of them as
mmpretrain's, so the Runner, irg_mm's pre-flight and any other consumer of
mmengine's registries and configs work unchanged:

- the scope ``mmcls`` becomes ``mmpretrain`` wherever mmengine reads one (a
  ``DefaultScope`` and the scope of a ``'mmcls.Type'`` key);
- ``mmcls::path`` becomes ``mmpretrain::path`` in ``_base_`` and in
  :func:`mmengine.hub.get_config` / :func:`~mmengine.hub.get_model`;
- the few configs and registered types that mmpretrain renamed are mapped to
  their new names, and an ``mmcls::`` config mmpretrain lacks is refused
  with one line that names the nearest mmpretrain configs.

The first ``mmcls`` name read logs one line saying so.
"""
import functools
import importlib.util
import inspect
import logging
from typing import Any, Callable, Dict, Optional, Tuple

import mmengine.hub
import mmengine.hub.hub
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope, Registry

from .packaged_configs import find_packaged_config, patch_once

MMCLS = 'mmcls'
MMPRETRAIN = 'mmpretrain'
PREFIX = f'{MMCLS}::'
# mmcls 1.x configs that mmpretrain 1.2.0 renamed, found by loading every
# MMRazor 1.0.0 config under distill/mmcls/ and vanilla/mmcls/.
RENAMED_CONFIGS = {
    'deit/deit-base_pt-16xb64_in1k.py': 'deit/deit-base_16xb64_in1k.py',
}
# mmcls 1.x registered names that mmpretrain renamed (same arguments), by
# registry attribute of ``mmpretrain.registry``; found the same way.
RENAMED_TYPES = {
    'TRANSFORMS': {
        'PackClsInputs': 'PackInputs'
    },
}
# Marks the mmengine callables already wrapped, so applying twice is a no-op.
ALIASED = '_irg_mm_mmcls_alias'


def mmcls_installed() -> bool:
    """Whether the real mmcls can be imported (then nothing is aliased)."""
    return importlib.util.find_spec(MMCLS) is not None


@functools.lru_cache(maxsize=None)
def announce_alias() -> None:
    """Log, once per process, that ``mmcls`` names resolve to mmpretrain."""
    print_log(
        'mmcls is not installed: `mmcls::` config paths, `mmcls.` types and '
        "the 'mmcls' scope resolve to mmpretrain, mmcls' successor "
        '(irg_mm.compat.mmcls_alias).',
        logger='current',
        level=logging.INFO)


def resolve_scope(scope: Optional[str]) -> Optional[str]:
    """The registry scope mmengine should use for ``scope``.

    Args:
        scope (str, optional): A scope name such as ``'mmcls'``.

    Returns:
        str, optional: ``'mmpretrain'`` for ``'mmcls'``, else ``scope``.
    """
    if scope != MMCLS:
        return scope
    announce_alias()
    return MMPRETRAIN


def to_mmpretrain_config(cfg_path: str) -> str:
    """Rewrite an ``mmcls::`` config path as the mmpretrain one.

    Args:
        cfg_path (str): A config path; only ``mmcls::...`` is rewritten.

    Returns:
        str: ``mmpretrain::...`` for an ``mmcls::`` path, else ``cfg_path``.

    Raises:
        FileNotFoundError: mmpretrain has no config of that name.

    Examples:
        >>> to_mmpretrain_config('mmcls::deit/deit-base_pt-16xb64_in1k.py')
        'mmpretrain::deit/deit-base_16xb64_in1k.py'
    """
    if not cfg_path.startswith(PREFIX):
        return cfg_path
    announce_alias()
    name = cfg_path[len(PREFIX):]
    name = RENAMED_CONFIGS.get(name, name)
    try:
        find_packaged_config(MMPRETRAIN, name)
    except FileNotFoundError as error:
        raise FileNotFoundError(
            f'{cfg_path}: mmcls is not installed, and its successor {error}; '
            'name an existing mmpretrain:: config instead') from None
    return f'{MMPRETRAIN}::{name}'


def _alias_scopes() -> None:
    """Read the scope ``mmcls`` as ``mmpretrain`` in mmengine's registry."""

    def make_init(original: Callable) -> Callable:

        def __init__(self, name: str, scope_name: str) -> None:
            original(self, name, resolve_scope(scope_name))

        return __init__

    def make_split(original: Callable) -> Callable:

        def split_scope_key(key: str) -> Tuple[Optional[str], str]:
            scope, real_key = original(key)
            return resolve_scope(scope), real_key

        return split_scope_key

    patch_once(DefaultScope, '__init__', make_init, ALIASED)
    patch_once(Registry, 'split_scope_key', make_split, ALIASED)


def _alias_config_paths() -> None:
    """Rewrite ``mmcls::`` paths in ``_base_`` and in mmengine's hub."""

    def make_get_cfg_path(original: Callable) -> Callable:

        def _get_cfg_path(cfg_path: str, filename: str) -> tuple:
            return original(to_mmpretrain_config(cfg_path), filename)

        return _get_cfg_path

    def make_hub_function(original: Callable) -> Callable:

        def hub_function(cfg_path: str, *args, **kwargs) -> Any:
            return original(to_mmpretrain_config(cfg_path), *args, **kwargs)

        return hub_function

    # get_model calls get_config through hub.hub's globals; both are wrapped
    # where they are defined and where `from mmengine.hub import` finds them.
    patch_once(Config, '_get_cfg_path', make_get_cfg_path, ALIASED)
    for module in (mmengine.hub.hub, mmengine.hub):
        for name in ('get_config', 'get_model'):
            patch_once(module, name, make_hub_function, ALIASED)


def _register_renamed_types() -> None:
    """Register mmpretrain's classes under the old mmcls names too."""
    import mmpretrain.registry
    for registry_name, renamed in RENAMED_TYPES.items():
        registry: Registry = getattr(mmpretrain.registry, registry_name)
        for old_name, new_name in renamed.items():
            if old_name not in registry.module_dict:
                registry.register_module(
                    name=old_name, module=registry.get(new_name))


def _scope_default_data_preprocessor() -> None:
    """Build ``ImageClassifier``'s default preprocessor as mmpretrain's.

    mmcls' ``ImageClassifier`` defaulted to ``'mmcls.ClsDataPreprocessor'``,
    so ``type='mmcls.ImageClassifier'`` inside an MMRazor algorithm (default
    scope ``mmrazor``) built; mmpretrain's defaults to the unscoped
    ``'ClsDataPreprocessor'``, which is then looked up in MMRazor's registry
    and not found. The scoped default is restored.
    """
    from mmpretrain.models import ImageClassifier

    def make_init(original: Callable) -> Callable:
        parameters = inspect.signature(original)

        def __init__(self, *args, **kwargs) -> None:
            bound = parameters.bind(self, *args, **kwargs)
            preprocessor = bound.arguments.get('data_preprocessor') or {}
            if isinstance(preprocessor, dict):
                bound.arguments['data_preprocessor'] = {
                    'type': f'{MMPRETRAIN}.ClsDataPreprocessor',
                    **preprocessor
                }
            original(*bound.args, **bound.kwargs)

        return __init__

    patch_once(ImageClassifier, '__init__', make_init, ALIASED)


def alias_mmcls_to_mmpretrain() -> Dict[str, str]:
    """Make mmengine read ``mmcls`` configs, scopes and types as mmpretrain's.

    Does nothing where mmcls itself is installed; safe to call twice.

    Returns:
        dict: ``{'mmcls': 'mmpretrain'}`` if aliased, else empty.

    Examples:
        >>> alias_mmcls_to_mmpretrain()
        {'mmcls': 'mmpretrain'}
        >>> from mmengine.hub import get_config
        >>> get_config('mmcls::resnet/resnet18_8xb32_in1k.py').model.type
        'ImageClassifier'
    """
    if mmcls_installed():
        return {}
    _alias_scopes()
    _alias_config_paths()
    _register_renamed_types()
    _scope_default_data_preprocessor()
    return {MMCLS: MMPRETRAIN}
