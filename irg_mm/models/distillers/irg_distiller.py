# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Optional, Sequence

from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.registry import MODELS

from .distiller_keys import DistillerKeys
from .irg_expansion import Origins


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

    Every option is checked: an unknown one (a typo) is an error that names
    the nearest valid option, not a silently ignored key.

    Args:
        vertex (dict, optional): ``student`` and ``teacher`` module names
            (default ``'head.fc'``, the logits; a ViT's is
            ``'head.layers.head'``), ``loss_weight`` and ``output_index``.
        edges (dict, optional): ``student`` and ``teacher`` hook points
            (str or list), ``mode`` (``'one_to_many'`` default or
            ``'one_to_one'``), ``pooling`` of the vertices (``'avg'`` default,
            ``'flatten'``), ``loss_weight`` of each term, the loss options
            ``normalize``, ``grad_through_max`` and ``graph_scope``, and the
            recorder options ``token_pooling`` (``'mean'`` or ``'cls'``, for
            transformer tokens ``[B, N, C]``) and ``output_index`` (the
            element of a tuple output); see :class:`IRGGraphRecorder`.
        transforms (Sequence[dict], optional): One dict per transformation:
            ``student`` and ``teacher`` (two hook points each),
            ``loss_weight``, ``normalize``, ``grad_through_max``,
            ``graph_scope``, ``token_pooling``, ``output_index`` and
            ``student_connector`` / ``teacher_connector`` (extra
            :class:`IRGTransformConnector` arguments, e.g.
            ``dict(channel_align='proj', in_channels=(16, 32))``).
        config_keys (dict, optional): The key the user wrote for each entry
            that the compact form generated, as
            ``config_keys[piece][name]`` (relative to ``model.distiller``);
            errors about that entry name it. The pre-flight
            (:mod:`irg_mm.preflight`) expands a config once and passes the
            result this way. Defaults to None.
        **kwargs: :class:`ConfigurableDistiller` arguments.

    Attributes:
        config_keys (DistillerKeys): The config key of every entry.

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
                 config_keys: Optional[Origins] = None,
                 **kwargs) -> None:
        keys = DistillerKeys.from_config(
            dict(
                vertex=vertex,
                edges=edges,
                transforms=transforms,
                student_recorders=student_recorders,
                teacher_recorders=teacher_recorders,
                connectors=connectors,
                distill_losses=distill_losses,
                loss_forward_mappings=loss_forward_mappings,
                config_keys=config_keys))
        super().__init__(**keys.pieces, **kwargs)
        self.config_keys = keys
