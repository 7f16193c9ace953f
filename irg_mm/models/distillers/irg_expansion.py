# Copyright (c) irg_mm contributors. All rights reserved.
"""IRG's compact config form, expanded into ConfigurableDistiller arguments.

:class:`IRGDistiller` and the pre-flight checks share one expansion: the
pre-flight expands a config once and hands the result, with the user's key
behind every generated entry, to the distiller it builds.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from irg_mm.errors import DistillConfigError
from ..utils.suggestions import suggest
from .compact_spec import (EDGE_OPTIONS, RECORDER_OPTIONS, TRANSFORM_OPTIONS,
                           VERTEX_OPTIONS, check_spec, hook_points,
                           transform_specs)

PIECES = ('student_recorders', 'teacher_recorders', 'connectors',
          'distill_losses', 'loss_forward_mappings')
# For each generated entry, ``origins[piece][name]``: the key the user
# wrote, relative to ``model.distiller``, e.g. ``'edges.student'``.
Origins = Dict[str, Dict[str, str]]


def _mapping(recorder: str, student: dict, teacher: dict) -> Dict[str, dict]:
    """``preds_S`` / ``preds_T`` entries reading one recorder of each side.

    ``student`` and ``teacher`` add ``data_idx`` or ``connector`` entries.
    """
    return dict(
        preds_S=dict(from_student=True, recorder=recorder, **student),
        preds_T=dict(from_student=False, recorder=recorder, **teacher))


def _loss_cfg(loss_type: str, spec: Mapping) -> dict:
    cfg = dict(type=loss_type, loss_weight=spec.get('loss_weight', 1.0))
    cfg.update({
        key: spec[key]
        for key in ('normalize', 'grad_through_max', 'graph_scope')
        if key in spec
    })
    return cfg


def _recorder_cfg(sources: List[str], pooling: str, spec: Mapping) -> dict:
    cfg = dict(type='IRGGraph', sources=sources, pooling=pooling)
    cfg.update({key: spec[key] for key in RECORDER_OPTIONS if key in spec})
    return cfg


class _Expansion:
    """ConfigurableDistiller arguments being filled, with each generated
    entry's origin."""

    def __init__(self, pieces: Mapping[str, Optional[dict]]) -> None:
        self.pieces = {
            piece: dict(pieces.get(piece) or {})
            for piece in PIECES
        }
        self.origins: Origins = {piece: {} for piece in PIECES}

    def add(self, piece: str, name: str, cfg: object, origin: str) -> None:
        if name in self.pieces[piece]:
            raise DistillConfigError(
                f'{piece}.{name}: defined twice, by you and by {origin}; '
                'rename your own entry (IRG entries are named irg_* and '
                'loss_irg_*)')
        self.pieces[piece][name] = cfg
        self.origins[piece][name] = origin

    def add_term(self, loss: str, loss_cfg: dict, mapping: dict,
                 key: str) -> None:
        self.add('distill_losses', loss, loss_cfg, key)
        self.add('loss_forward_mappings', loss, mapping, key)


def _expand_vertex(expansion: _Expansion, spec: Mapping) -> None:
    check_spec('vertex', spec, VERTEX_OPTIONS)
    for side in ('student', 'teacher'):
        source = hook_points(f'vertex.{side}', spec.get(side, 'head.fc'), 1)
        expansion.add(f'{side}_recorders', 'irg_vertex',
                      _recorder_cfg(source, 'flatten', spec), f'vertex.{side}')
    expansion.add_term(
        'loss_irg_vertex', _loss_cfg('IRGVertexLoss', spec),
        _mapping('irg_vertex', dict(data_idx=0), dict(data_idx=0)), 'vertex')


def _edge_pairs(spec: Mapping, student: List[str],
                teacher: List[str]) -> List[Tuple[int, int]]:
    """(student index, teacher index) of each edge term."""
    if spec.get('mode', 'one_to_many') == 'one_to_many':
        if len(teacher) != 1:
            raise DistillConfigError(
                "edges.teacher: mode='one_to_many' takes one teacher hook "
                f'point (the paper uses its last block), got {teacher}; use '
                "edges.mode='one_to_one' to pair layers")
        return [(index, 0) for index in range(len(student))]
    if len(student) != len(teacher):
        raise DistillConfigError(
            "edges.teacher: mode='one_to_one' pairs hook points, so "
            f'edges.student ({len(student)}: {student}) and edges.teacher '
            f'({len(teacher)}: {teacher}) need the same length')
    return [(index, index) for index in range(len(student))]


def _expand_edges(expansion: _Expansion, spec: Mapping) -> None:
    check_spec('edges', spec, EDGE_OPTIONS, required=('student', 'teacher'))
    sources = {
        side: hook_points(f'edges.{side}', spec[side])
        for side in ('student', 'teacher')
    }
    for side, names in sources.items():
        expansion.add(f'{side}_recorders', 'irg_edges',
                      _recorder_cfg(names, spec.get('pooling', 'avg'), spec),
                      f'edges.{side}')
    for student_idx, teacher_idx in _edge_pairs(spec, sources['student'],
                                                sources['teacher']):
        expansion.add_term(
            f'loss_irg_edge{student_idx}', _loss_cfg('IRGEdgeLoss', spec),
            _mapping('irg_edges', dict(data_idx=student_idx),
                     dict(data_idx=teacher_idx)), 'edges')


def _expand_transform(expansion: _Expansion, index: int,
                      spec: Mapping) -> None:
    key = f'transforms[{index}]'
    check_spec(key, spec, TRANSFORM_OPTIONS, required=('student', 'teacher'))
    recorder = f'irg_transform{index}'
    for side in ('student', 'teacher'):
        layers = hook_points(f'{key}.{side}', spec[side], count=2)
        options = spec.get(f'{side}_connector') or {}
        if not isinstance(options, Mapping):
            raise DistillConfigError(
                f'{key}.{side}_connector: expected a dict of '
                f'IRGTransformConnector arguments, got {options!r}')
        connector = dict(type='IRGTransformConnector', **options)
        # A connector that averages the maps anyway (its default) gets them
        # averaged at record time: whole maps held until the losses run
        # cost more memory than the rest of IRG together
        # (docs/cost_benchmark.md).
        expansion.add(
            f'{side}_recorders', recorder,
            _recorder_cfg(layers, connector.get('pooling', 'avg'), spec),
            f'{key}.{side}')
        expansion.add('connectors', f'{recorder}_{side[0]}', connector,
                      f'{key}.{side}_connector')
    expansion.add_term(
        f'loss_{recorder}', _loss_cfg('IRGTransformLoss', spec),
        _mapping(recorder, dict(connector=f'{recorder}_s'),
                 dict(connector=f'{recorder}_t')), key)


def expand_irg_with_origins(
        vertex: Optional[Mapping] = None,
        edges: Optional[Mapping] = None,
        transforms: Optional[Sequence[Mapping]] = None,
        **pieces: Optional[dict]) -> Tuple[Dict[str, dict], Origins]:
    """:func:`expand_irg`, also returning the key behind each generated entry.

    Returns:
        tuple: The five ConfigurableDistiller arguments, and for each
        generated entry ``origins[piece][name]``, the key the user wrote,
        relative to ``model.distiller`` (e.g.
        ``'transforms[1].student_connector'``).

    Raises:
        DistillConfigError: The compact form is malformed; the message
            starts with the key relative to ``model.distiller``.
    """
    unknown = sorted(set(pieces) - set(PIECES))
    if unknown:
        arguments = ('vertex', 'edges', 'transforms', *PIECES)
        raise DistillConfigError(
            f'{unknown[0]}: unknown argument of IRGDistiller'
            f'{suggest(unknown[0], arguments)} (it takes {list(arguments)})')
    expansion = _Expansion(pieces)
    if vertex is not None:
        _expand_vertex(expansion, vertex)
    if edges is not None:
        _expand_edges(expansion, edges)
    if transforms is not None:
        for index, spec in enumerate(transform_specs(transforms)):
            _expand_transform(expansion, index, spec)
    return expansion.pieces, expansion.origins


def expand_irg(vertex: Optional[Mapping] = None,
               edges: Optional[Mapping] = None,
               transforms: Optional[Sequence[Mapping]] = None,
               **pieces: Optional[dict]) -> Dict[str, dict]:
    """Expand IRG's compact form into ConfigurableDistiller arguments.

    Args:
        vertex (dict, optional): See :class:`IRGDistiller`.
        edges (dict, optional): See :class:`IRGDistiller`.
        transforms (Sequence[dict], optional): See :class:`IRGDistiller`.
        **pieces: ``student_recorders``, ``teacher_recorders``,
            ``connectors``, ``distill_losses`` and ``loss_forward_mappings``
            of other distillation terms, kept as they are.

    Returns:
        dict: The five ConfigurableDistiller arguments, IRG's entries added.

    Raises:
        DistillConfigError: An unknown or missing option, a malformed hook
            point list, or an entry defined twice; the message starts with
            the key relative to ``model.distiller``.

    Examples:
        >>> expanded = expand_irg(edges=dict(
        ...     student=['backbone.layer3.0', 'backbone.layer2.0'],
        ...     teacher='backbone.layer3.2'))
        >>> sorted(expanded['distill_losses'])
        ['loss_irg_edge0', 'loss_irg_edge1']
    """
    return expand_irg_with_origins(vertex, edges, transforms, **pieces)[0]
