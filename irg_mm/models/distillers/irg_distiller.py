# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Union

from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.registry import MODELS

EDGE_MODES = ('one_to_many', 'one_to_one')
PIECES = ('student_recorders', 'teacher_recorders', 'connectors',
          'distill_losses', 'loss_forward_mappings')


def _as_list(sources: Union[str, Sequence[str]]) -> List[str]:
    return [sources] if isinstance(sources, str) else list(sources)


def _mapping(recorder: str, student: dict, teacher: dict) -> Dict[str, dict]:
    """``preds_S`` / ``preds_T`` entries reading one recorder of each side.

    ``student`` and ``teacher`` add ``data_idx`` or ``connector`` entries.
    """
    return dict(
        preds_S=dict(from_student=True, recorder=recorder, **student),
        preds_T=dict(from_student=False, recorder=recorder, **teacher))


def _loss_cfg(loss_type: str, spec: dict, *options: str) -> dict:
    cfg = dict(type=loss_type, loss_weight=spec.get('loss_weight', 1.0))
    cfg.update({key: spec[key] for key in options if key in spec})
    return cfg


def _expand_vertex(spec: dict) -> Dict[str, dict]:
    sources = dict(
        student=spec.get('student', 'head.fc'),
        teacher=spec.get('teacher', 'head.fc'))
    return dict(
        student_recorders=dict(
            irg_vertex=dict(
                type='IRGGraph',
                sources=[sources['student']],
                pooling='flatten')),
        teacher_recorders=dict(
            irg_vertex=dict(
                type='IRGGraph',
                sources=[sources['teacher']],
                pooling='flatten')),
        distill_losses=dict(loss_irg_vertex=_loss_cfg('IRGVertexLoss', spec)),
        loss_forward_mappings=dict(
            loss_irg_vertex=_mapping('irg_vertex', dict(
                data_idx=0), dict(data_idx=0))))


def _edge_pairs(spec: dict) -> List[tuple]:
    """(student index, teacher index) of each edge term."""
    student, teacher = _as_list(spec['student']), _as_list(spec['teacher'])
    mode = spec.get('mode', 'one_to_many')
    if mode not in EDGE_MODES:
        raise ValueError(f'edges.mode must be one of {EDGE_MODES}, got '
                         f'{mode!r}')
    if mode == 'one_to_many':
        if len(teacher) != 1:
            raise ValueError(
                "edges.mode='one_to_many' takes one teacher hook point (the "
                f'paper uses its last block), got {teacher}; use '
                "mode='one_to_one' to pair layers")
        return [(index, 0) for index in range(len(student))]
    if len(student) != len(teacher):
        raise ValueError(
            "edges.mode='one_to_one' pairs hook points, so edges.student "
            f'({len(student)}: {student}) and edges.teacher ({len(teacher)}: '
            f'{teacher}) need the same length')
    return [(index, index) for index in range(len(student))]


def _expand_edges(spec: dict) -> Dict[str, dict]:
    pooling = spec.get('pooling', 'avg')
    pieces = dict(
        student_recorders=dict(
            irg_edges=dict(
                type='IRGGraph',
                sources=_as_list(spec['student']),
                pooling=pooling)),
        teacher_recorders=dict(
            irg_edges=dict(
                type='IRGGraph',
                sources=_as_list(spec['teacher']),
                pooling=pooling)),
        distill_losses=dict(),
        loss_forward_mappings=dict())
    for student_idx, teacher_idx in _edge_pairs(spec):
        name = f'loss_irg_edge{student_idx}'
        pieces['distill_losses'][name] = _loss_cfg('IRGEdgeLoss', spec,
                                                   'normalize',
                                                   'grad_through_max',
                                                   'graph_scope')
        pieces['loss_forward_mappings'][name] = _mapping(
            'irg_edges', dict(data_idx=student_idx),
            dict(data_idx=teacher_idx))
    return pieces


def _expand_transform(index: int, spec: dict) -> Dict[str, dict]:
    recorder, loss = f'irg_transform{index}', f'loss_irg_transform{index}'
    pieces = dict(
        student_recorders={},
        teacher_recorders={},
        connectors={},
        distill_losses={
            loss:
            _loss_cfg('IRGTransformLoss', spec, 'normalize',
                      'grad_through_max', 'graph_scope')
        },
        loss_forward_mappings={
            loss:
            _mapping(recorder, dict(connector=f'{recorder}_s'),
                     dict(connector=f'{recorder}_t'))
        })
    for side in ('student', 'teacher'):
        layers = _as_list(spec[side])
        if len(layers) != 2:
            raise ValueError(
                f'transforms[{index}].{side} needs two hook points of one '
                f'network (the ends of one stage), got {layers}')
        connector = dict(type='IRGTransformConnector')
        connector.update(spec.get(f'{side}_connector', {}))
        # A connector that averages the maps anyway (its default) gets them
        # averaged at record time: whole maps held until the losses run
        # cost more memory than the rest of IRG together (docs/benchmark.md).
        pieces[f'{side}_recorders'][recorder] = dict(
            type='IRGGraph',
            sources=layers,
            pooling=connector.get('pooling', 'avg'))
        pieces['connectors'][f'{recorder}_{side[0]}'] = connector
    return pieces


def _merge_into(target: Dict[str, dict], pieces: Dict[str, dict]) -> None:
    for piece, entries in pieces.items():
        for name, cfg in entries.items():
            if name in target[piece]:
                raise ValueError(
                    f'IRGDistiller: {piece}[{name!r}] is defined twice; '
                    'rename your own entry (IRG entries are named irg_* and '
                    'loss_irg_*)')
            target[piece][name] = cfg


def expand_irg(vertex: Optional[dict] = None,
               edges: Optional[dict] = None,
               transforms: Optional[Sequence[dict]] = None,
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
    """
    unknown = set(pieces) - set(PIECES)
    if unknown:
        raise TypeError(f'IRGDistiller got unknown arguments {sorted(unknown)}'
                        f'; it takes vertex, edges, transforms and {PIECES}')
    expanded = {piece: dict(pieces.get(piece) or {}) for piece in PIECES}
    if vertex is not None:
        _merge_into(expanded, _expand_vertex(vertex))
    if edges is not None:
        _merge_into(expanded, _expand_edges(edges))
    for index, spec in enumerate(transforms or ()):
        _merge_into(expanded, _expand_transform(index, spec))
    return expanded


@MODELS.register_module()
class IRGDistiller(ConfigurableDistiller):
    """IRG distillation written in a few lines, beside any other MMRazor loss.

    Expands the paper's three kinds of knowledge into the recorders,
    connectors, losses and mappings of a :class:`ConfigurableDistiller`
    (``expand_irg`` does it and is what the docs show), so a config names hook
    points and weights only. Recorders, connectors, losses and mappings given
    as usual are kept beside them, e.g. MMRazor's ``KLDivergence``.

    Entries created (and their log names, ``distill.<loss>``):

    - ``vertex``: recorders ``irg_vertex``, loss ``loss_irg_vertex``
      (:class:`IRGVertexLoss` between the two outputs, logits by default).
    - ``edges``: recorders ``irg_edges``, one loss ``loss_irg_edge{i}``
      (:class:`IRGEdgeLoss`) per student hook point ``i``. In
      ``'one_to_many'`` mode the single teacher hook point supervises every
      student one (the paper: the teacher's last block, the student's last
      three); ``'one_to_one'`` pairs the lists in order.
    - ``transforms[i]``: recorders ``irg_transform{i}`` (two hook points of
      one network, averaged unless a connector sets ``pooling='none'``),
      connectors ``irg_transform{i}_s`` and
      ``irg_transform{i}_t`` (:class:`IRGTransformConnector`), loss
      ``loss_irg_transform{i}`` (:class:`IRGTransformLoss`).

    Args:
        vertex (dict, optional): ``student`` and ``teacher`` module names
            (default ``'head.fc'``, the logits) and ``loss_weight``.
        edges (dict, optional): ``student`` and ``teacher`` hook points
            (str or list), ``mode`` (``'one_to_many'`` default or
            ``'one_to_one'``), ``pooling`` of the vertices (``'avg'`` default,
            ``'flatten'``), ``loss_weight`` of each term, and the loss options
            ``normalize``, ``grad_through_max`` and ``graph_scope``.
        transforms (Sequence[dict], optional): One dict per transformation:
            ``student`` and ``teacher`` (two hook points each),
            ``loss_weight``, ``normalize``, ``grad_through_max``,
            ``graph_scope`` and
            ``student_connector`` / ``teacher_connector`` (extra
            :class:`IRGTransformConnector` arguments, e.g.
            ``dict(channel_align='proj', in_channels=(16, 32))``).
        **kwargs: :class:`ConfigurableDistiller` arguments.

    Examples:
        >>> distiller = dict(
        ...     type='IRGDistiller',
        ...     vertex=dict(loss_weight=0.1),
        ...     edges=dict(
        ...         teacher='backbone.layer4.2',
        ...         student=['backbone.layer4.1', 'backbone.layer4.0',
        ...                  'backbone.layer3.1'],
        ...         loss_weight=5.0),
        ...     transforms=[dict(
        ...         student=['backbone.layer1.0', 'backbone.layer1.1'],
        ...         teacher=['backbone.layer1.0', 'backbone.layer1.2'],
        ...         loss_weight=5.0)])
    """

    def __init__(self,
                 vertex: Optional[dict] = None,
                 edges: Optional[dict] = None,
                 transforms: Optional[Sequence[dict]] = None,
                 student_recorders: Optional[dict] = None,
                 teacher_recorders: Optional[dict] = None,
                 connectors: Optional[dict] = None,
                 distill_losses: Optional[dict] = None,
                 loss_forward_mappings: Optional[dict] = None,
                 **kwargs) -> None:
        expanded = expand_irg(
            vertex,
            edges,
            transforms,
            student_recorders=student_recorders,
            teacher_recorders=teacher_recorders,
            connectors=connectors,
            distill_losses=distill_losses,
            loss_forward_mappings=loss_forward_mappings)
        super().__init__(**expanded, **kwargs)
