# Copyright (c) irg_mm contributors. All rights reserved.
"""One check for arguments that take one of a few values."""
from typing import Any, Sequence


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    """Raise unless ``value`` is one of ``choices``.

    Args:
        name (str): The argument's name, for the message.
        value (Any): What was given.
        choices (Sequence): What the argument takes.

    Raises:
        ValueError: ``value`` is not one of ``choices``; the message names
            the argument and every choice.

    Examples:
        >>> check_choice('pooling', 'avg', ('avg', 'flatten'))
        >>> check_choice('pooling', 'mean', ('avg', 'flatten'))
        Traceback (most recent call last):
        ValueError: pooling must be one of ('avg', 'flatten'), got 'mean'
    """
    if value not in choices:
        raise ValueError(
            f'{name} must be one of {tuple(choices)}, got {value!r}')
