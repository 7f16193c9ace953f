# Copyright (c) irg_mm contributors. All rights reserved.
"""Check the compact ``vertex`` / ``edges`` / ``transforms`` of IRGDistiller.

Each compact argument is a dict of known options. A typo such as
``loss_wieght`` would otherwise be dropped while the term trains with its
default, so every option is checked here, and every error starts with the
key the user wrote (``edges.loss_wieght``), relative to ``model.distiller``.
"""
from typing import List, Mapping, Optional, Sequence

from irg_mm.errors import DistillConfigError
from ..recorders.irg_graph_recorder import (RECORDER_POOLING_MODES,
                                            TOKEN_POOLING_MODES)
from ..utils.suggestions import suggest

EDGE_MODES = ('one_to_many', 'one_to_one')
# Options the recorders of a compact term take from it.
RECORDER_OPTIONS = ('token_pooling', 'output_index')
LOSS_OPTIONS = ('loss_weight', 'normalize', 'grad_through_max', 'graph_scope')
VERTEX_OPTIONS = ('student', 'teacher', 'loss_weight', 'output_index')
EDGE_OPTIONS = ('student', 'teacher', 'mode', 'pooling', *LOSS_OPTIONS,
                *RECORDER_OPTIONS)
TRANSFORM_OPTIONS = ('student', 'teacher', 'student_connector',
                     'teacher_connector', *LOSS_OPTIONS, *RECORDER_OPTIONS)
CHOICES = dict(
    mode=EDGE_MODES,
    pooling=RECORDER_POOLING_MODES,
    token_pooling=TOKEN_POOLING_MODES)


def check_spec(
        key: str,
        spec: object,
        options: Sequence[str],
        required: Sequence[str] = (),
) -> Mapping:
    """Check one compact term: a dict of known options, required ones given.

    Args:
        key (str): The term's key, e.g. ``'edges'`` or ``'transforms[0]'``.
        spec (object): What the config gives.
        options (Sequence[str]): The options the term takes.
        required (Sequence[str]): Options without a default.

    Returns:
        Mapping: ``spec``.

    Raises:
        DistillConfigError: Not a dict, an unknown or a missing option, or
            an option value outside its choices.

    Examples:
        >>> check_spec('edges', dict(student='a', teacher='b', mode='all'),
        ...            EDGE_OPTIONS, required=('student', 'teacher'))
        Traceback (most recent call last):
        DistillConfigError: edges.mode: 'all' is not one of ...
    """
    if not isinstance(spec, Mapping):
        raise DistillConfigError(
            f'{key}: expected a dict of options {list(options)}, got '
            f'{type(spec).__name__} {spec!r}')
    for name in spec:
        if name not in options:
            raise DistillConfigError(
                f'{key}.{name}: unknown option{suggest(name, options)} '
                f'({key} takes {list(options)})')
    for name in required:
        if name not in spec:
            raise DistillConfigError(
                f'{key}.{name}: missing; give the {name} hook point(s), a '
                "module name or a list of them, e.g. 'backbone.layer3.2'")
    for name, choices in CHOICES.items():
        if name in spec and spec[name] not in choices:
            raise DistillConfigError(
                f'{key}.{name}: {spec[name]!r} is not one of '
                f'{choices}{suggest(str(spec[name]), choices)}')
    return spec


def hook_points(key: str,
                value: object,
                count: Optional[int] = None) -> List[str]:
    """The hook points of one side: a module name or a list of distinct ones.

    Args:
        key (str): The key, e.g. ``'transforms[0].student'``.
        value (object): What the config gives.
        count (int, optional): How many hook points are needed.

    Returns:
        list[str]: The module names.

    Raises:
        DistillConfigError: Not names, empty, repeated, or not ``count``.
    """
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names or not all(
            isinstance(name, str) and name for name in names):
        raise DistillConfigError(
            f'{key}: expected a module name or a list of module names, got '
            f'{value!r}')
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DistillConfigError(
            f'{key}: names {repeated} more than once; name each hook point '
            'once (a transformation needs two different layers)')
    if count is not None and len(names) != count:
        raise DistillConfigError(
            f'{key} needs {count} hook points of one network (the ends of '
            f'one stage), got {list(names)}')
    return list(names)


def transform_specs(transforms: object) -> List[Mapping]:
    """``transforms`` as a list of dicts, one per transformation.

    Args:
        transforms (object): What the config gives.

    Returns:
        list: The transformation dicts (each checked by the expansion).

    Raises:
        DistillConfigError: ``transforms`` is not a list or tuple.
    """
    if isinstance(transforms, (list, tuple)):
        return list(transforms)
    raise DistillConfigError(
        'transforms: expected a list with one dict per transformation, got '
        f'{type(transforms).__name__}; write transforms=[dict(student=[...], '
        'teacher=[...])]')
