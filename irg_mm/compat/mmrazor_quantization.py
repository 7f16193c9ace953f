# Copyright (c) irg_mm contributors. All rights reserved.
"""Let MMRazor 1.0.0 import on torch >= 2.1 without its quantization part.

``mmrazor.structures.quantization`` builds torch.ao backend configs at import
time from torch internals that torch 2.1 removed (open-mmlab/mmrazor#632), and
``mmrazor.models`` imports it unconditionally. Distillation never touches it,
so a stand-in module is placed in :data:`sys.modules` before MMRazor is first
imported. Every name taken from it is a placeholder that raises
:class:`MMRazorQuantizationUnavailable` as soon as it is used.
"""
import sys
import types
from typing import Any, NoReturn

import torch

from irg_mm.errors import MMRazorQuantizationUnavailable

STRUCTURES_MODULE = 'mmrazor.structures.quantization'


def _unavailable_message(name: str) -> str:
    return (f'mmrazor quantization (`{STRUCTURES_MODULE}.{name}`) is not '
            f'available with torch {torch.__version__}: MMRazor 1.0.0 builds '
            'it from torch.ao internals removed in torch 2.1 '
            '(open-mmlab/mmrazor#632). irg_mm replaces it with a stand-in so '
            'that distillation works; for quantization use torch < 2.1.')


class _UnavailableName:
    """Placeholder for one name of the missing module; fails on any use."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise MMRazorQuantizationUnavailable(_unavailable_message(self._name))

    __call__ = _fail

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith('__') and attr.endswith('__'):
            raise AttributeError(attr)
        self._fail()

    def __repr__(self) -> str:
        return f'<unavailable mmrazor quantization name {self._name!r}>'


def _module_getattr(name: str) -> Any:
    # Dunder look-ups (``__path__``, ``__file__``...) must fail normally or the
    # import machinery and inspect would treat the stand-in as something else.
    if name.startswith('__') and name.endswith('__'):
        raise AttributeError(name)
    return _UnavailableName(name)


def _build_stand_in() -> types.ModuleType:
    module = types.ModuleType(STRUCTURES_MODULE, _unavailable_message('*'))
    module.__all__ = []
    module.__getattr__ = _module_getattr
    module.IRG_MM_STAND_IN = True
    return module


def needs_stand_in() -> bool:
    """Whether this torch lacks the internals MMRazor's quantization needs."""
    try:
        from torch.ao.quantization.backend_config import utils  # noqa: F401
        from torch.ao.quantization.fuser_method_mappings import (  # noqa: F401
            reverse2, reverse_sequential_wrapper2)
    except ImportError:
        return True
    return False


def install_stand_in() -> bool:
    """Put the stand-in into :data:`sys.modules` if torch needs it.

    Returns:
        bool: True when the stand-in is in place after the call.

    Raises:
        RuntimeError: If MMRazor's real quantization module was already
            imported, which means ``import irg_mm`` came too late.
    """
    existing = sys.modules.get(STRUCTURES_MODULE)
    if existing is not None:
        return getattr(existing, 'IRG_MM_STAND_IN', False)
    if not needs_stand_in():
        return False
    if 'mmrazor.structures' in sys.modules:
        raise RuntimeError(
            '`mmrazor.structures` was imported before `irg_mm`; import irg_mm '
            'first (configs: custom_imports=dict(imports=["irg_mm"])).')
    sys.modules[STRUCTURES_MODULE] = _build_stand_in()
    return True
