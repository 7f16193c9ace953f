# Copyright (c) irg_mm contributors. All rights reserved.
"""Make MMRazor 1.0.0 switch off in-place ops again on torch >= 2.0.

MMRazor algorithms turn every ``inplace`` flag of the student and the teacher
off (unless ``module_inplace=True`` / ``teacher_module_inplace=True``) so that
a recorder keeps the output of the layer it reads: with an in-place ReLU after
a batch norm, the recorded tensor is overwritten by the ReLU. MMRazor's
``BaseAlgorithm.set_module_inplace_false`` walks ``nn.Module._modules`` only
when it is an ``OrderedDict``; since torch 2.0 it is a plain ``dict``, so the
walk stops at the top module and every in-place op stays on. The fix replaces
that method with a walk over :meth:`torch.nn.Module.modules`.
"""
from collections.abc import Mapping
from typing import Union

import torch.nn as nn


def set_module_inplace_false(self, architecture: Union[nn.Module, Mapping],
                             varstr: str) -> None:
    """Set ``inplace=False`` on every sub-module that has the flag.

    Replaces ``mmrazor.models.BaseAlgorithm.set_module_inplace_false`` and
    keeps its signature, so MMRazor's own calls stay as they are.

    Args:
        architecture (nn.Module | Mapping): A model, or a mapping of names to
            models (what MMRazor passes for ``_modules``).
        varstr (str): Where MMRazor's recursion had got to; unused, the walk
            needs no name.

    Examples:
        >>> import torch.nn as nn
        >>> net = nn.Sequential(nn.Sequential(nn.ReLU(inplace=True)))
        >>> set_module_inplace_false(None, net, 'net')
        >>> net[0][0].inplace
        False
    """
    roots = (
        architecture.values()
        if isinstance(architecture, Mapping) else [architecture])
    for root in roots:
        for module in root.modules():
            # Only real flags: a module may name something else ``inplace``.
            if isinstance(getattr(module, 'inplace', None), bool):
                module.inplace = False


def patch_set_module_inplace_false() -> None:
    """Put :func:`set_module_inplace_false` on MMRazor's ``BaseAlgorithm``.

    Every MMRazor algorithm (``SingleTeacherDistill`` for the teacher, all of
    them for the student) reaches the walk through this one method; no MMRazor
    module overrides it or binds it under another name.
    """
    from mmrazor.models.algorithms.base import BaseAlgorithm
    BaseAlgorithm.set_module_inplace_false = set_module_inplace_false
