# Copyright (c) irg_mm contributors. All rights reserved.
"""The names an error message suggests for a wrong one."""
import difflib
from typing import Iterable, List


def suggest(name: str, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest option, or ``''``.

    Args:
        name (str): The wrong option name.
        options (Iterable[str]): The valid names.

    Returns:
        str: The hint, empty when no option is close.

    Examples:
        >>> suggest('loss_wieght', ['loss_weight', 'mode'])
        "; did you mean 'loss_weight'?"
    """
    nearest = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f'; did you mean {nearest[0]!r}?' if nearest else ''


def _under_nearest_parent(name: str, names: List[str]) -> List[str]:
    """Modules under the deepest existing parent of ``name``, e.g. the
    children of ``head`` for a ``head.fc`` the head does not have."""
    parts = name.split('.')
    for depth in range(len(parts) - 1, 0, -1):
        prefix = '.'.join(parts[:depth]) + '.'
        children = [n for n in names if n.startswith(prefix)]
        if children:
            return children[:5]
    return []


def nearest_names(name: str, names: Iterable[str]) -> str:
    """Describe the module names closest to a wrong one, for a message.

    Close spellings come first, then the modules under the deepest parent
    of ``name`` that exists (a ViT's head has ``head.layers.head``, not the
    ``head.fc`` of a CNN's).

    Args:
        name (str): The name that was not found.
        names (Iterable[str]): The names that exist.

    Returns:
        str: ``'nearest: [...]'``, or the top-level names when none is
        close.

    Examples:
        >>> nearest_names('head.fcc', ['head', 'head.fc', 'backbone'])
        "nearest: ['head.fc', 'head']"
        >>> nearest_names('head.fc',
        ...               ['head', 'head.layers', 'head.layers.head'])
        "nearest: ['head', 'head.layers', 'head.layers.head']"
    """
    names = [n for n in names if n]
    nearest = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    nearest += [
        n for n in _under_nearest_parent(name, names) if n not in nearest
    ]
    if nearest:
        return f'nearest: {nearest}'
    # Module trees have hundreds of names; their roots say where to look.
    return f'available: {[n for n in names if "." not in n]}'
