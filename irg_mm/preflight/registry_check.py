# Copyright (c) irg_mm contributors. All rights reserved.
"""Name a misspelt registered type by its config key, with the nearest name.

mmengine reports a ``type`` that no registry holds as ``KeyError:
'KLDivergance is not in the mmrazor::model registry. Please check ...'``
from deep inside the build: no config key, no suggestion, and for the
networks a full traceback. :func:`check_model_types` walks ``model`` before
anything is built and stops at the first such ``type`` with its key and the
nearest registered name.
"""
from typing import Iterable, Optional, Set

from mmengine.registry import MODELS, Registry

from irg_mm.errors import ConfigError
from irg_mm.models.utils.suggestions import suggest

# Keys under ``model`` whose types live in other registries: weight
# initialisers, batch augmentations, and recorders (TASK_UTILS; the
# distiller check looks them up with their 'Recorder' suffix).
OTHER_REGISTRIES = ('init_cfg', 'train_cfg', 'batch_augments')
RECORDERS_SUFFIX = '_recorders'


def _registered_names(registry: Registry) -> Set[str]:
    """Every name ``registry.get`` finds without a scope prefix: the
    registry's own and its ancestors'."""
    names: Set[str] = set()
    while registry is not None:
        names.update(registry.module_dict)
        registry = registry.parent
    return names


def check_registered(registry: Registry,
                     key: str,
                     obj_type: object,
                     suffix: str = '') -> None:
    """``obj_type`` (plus ``suffix``) must be registered in ``registry``.

    Args:
        registry (Registry): The registry the type is built from.
        key (str): The config key of the type, for the message.
        obj_type (object): The config's ``type``; anything but a string (a
            class) passes.
        suffix (str): What the builder appends to the type, e.g.
            ``'Recorder'`` for MMRazor's recorders. Defaults to ''.

    Raises:
        ConfigError: ``obj_type`` is not registered; the message
            names the nearest registered name.

    Examples:
        >>> check_registered(MODELS, 'model.type', 'BaseModle')
        Traceback (most recent call last):
        ConfigError: model.type: 'BaseModle' is not registered; did you ...
    """
    if not isinstance(obj_type, str) or _get(registry, obj_type + suffix):
        return
    scope, _ = Registry.split_scope_key(obj_type)
    searched = registry
    if scope is not None:
        searched = registry._get_root_registry()._search_child(scope) \
            or registry
    prefix = f'{scope}.' if scope is not None else ''
    options = [
        prefix + option[:len(option) - len(suffix)]
        for option in _registered_names(searched) if option.endswith(suffix)
    ]
    hint = suggest(obj_type, options)
    raise ConfigError(f'{key}: {obj_type!r} is not registered'
                      f'{hint or _import_hint(searched)}')


def _get(registry: Registry, obj_type: str) -> Optional[type]:
    """``registry.get``, None where mmengine raises for an unknown dotted
    name."""
    try:
        return registry.get(obj_type)
    except RuntimeError:
        return None


def _import_hint(registry: Registry) -> str:
    return (f' in the {registry.scope}::{registry.name} registry; check the '
            'spelling, or import the module that registers it with '
            "custom_imports=dict(imports=['<module>'])")


def check_model_types(scope: Optional[str], key: str, cfg: object) -> None:
    """Every ``type`` in a model config must be registered.

    Walks the config's dicts and lists (backbone, neck, head, losses,
    layers, the distiller's losses and connectors, ...), looking each
    ``type`` up in the models registry of its ``_scope_``, inherited from
    the enclosing dict.

    Args:
        scope (str, optional): The scope of ``cfg`` (``default_scope``).
        key (str): The config key of ``cfg``, e.g. ``'model'``.
        cfg (object): The model config.

    Raises:
        ConfigError: A ``type`` is not registered (see
            :func:`check_registered`).
    """
    if isinstance(cfg, (list, tuple)):
        for index, item in enumerate(cfg):
            check_model_types(scope, f'{key}[{index}]', item)
        return
    if not isinstance(cfg, dict):
        return
    scope = cfg.get('_scope_', scope)
    with MODELS.switch_scope_and_registry(scope) as registry:
        check_registered(registry, f'{key}.type', cfg.get('type'))
    for name, value in _walked_items(cfg):
        check_model_types(scope, f'{key}.{name}', value)


def _walked_items(cfg: dict) -> Iterable:
    """The entries of ``cfg`` whose types are models."""
    return ((name, value) for name, value in cfg.items()
            if name not in OTHER_REGISTRIES
            and not str(name).endswith(RECORDERS_SUFFIX))
