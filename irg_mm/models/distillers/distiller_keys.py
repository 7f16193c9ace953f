# Copyright (c) irg_mm contributors. All rights reserved.
"""Name a distiller's entries by the config keys a user wrote.

Errors found by :mod:`irg_mm.preflight.config_check` and
:class:`irg_mm.engine.DistillCheckHook` name the key to fix. ``IRGDistiller``
generates its recorders, connectors and losses (see :func:`expand_irg`), so
for those the key is the compact one the user wrote, which the expansion
records for every entry it generates.
"""
from irg_mm.errors import DistillConfigError
from .irg_distiller import PIECES, expand_irg_with_origins

IRG_ARGS = ('vertex', 'edges', 'transforms')
ROOT = 'model.distiller'


class DistillerKeys:
    """Config keys of a distiller's entries, as the user wrote them.

    ``IRGDistiller`` generates recorders, connectors and losses from its
    compact ``vertex`` / ``edges`` / ``transforms`` arguments; an error about
    a generated entry names the compact key, e.g.
    ``model.distiller.edges.teacher``, one about an entry written out names
    its own key, e.g. ``model.distiller.student_recorders.logits.source``.

    Args:
        distiller_cfg (dict): The ``model.distiller`` config.

    Raises:
        DistillConfigError: The compact form is malformed; the message
            starts with its full key, e.g. ``model.distiller.edges.mode``.

    Attributes:
        expanded (dict): The five ConfigurableDistiller arguments, with the
            entries that ``IRGDistiller`` generates.

    Examples:
        >>> keys = DistillerKeys(dict(edges=dict(
        ...     student='backbone.layer3.0', teacher='backbone.layer3.2')))
        >>> keys.recorder('teacher', 'irg_edges')
        'model.distiller.edges.teacher'
        >>> keys.loss('loss_irg_edge0')
        'model.distiller.edges'
    """

    def __init__(self, distiller_cfg: dict) -> None:
        try:
            self.expanded, self._origins = expand_irg_with_origins(
                **{arg: distiller_cfg.get(arg)
                   for arg in IRG_ARGS + PIECES})
        except DistillConfigError as error:
            raise DistillConfigError(f'{ROOT}.{error}') from error

    def recorder(self, side: str, name: str) -> str:
        """Key of the hook points of recorder ``name`` of ``side``."""
        piece = f'{side}_recorders'
        field = 'sources' if 'sources' in self.expanded[piece][name] \
            else 'source'
        return self._key(piece, name, f'{name}.{field}')

    def recorder_entry(self, side: str, name: str) -> str:
        """Key of recorder ``name`` of ``side`` as a whole."""
        return self._key(f'{side}_recorders', name, name)

    def connector(self, name: str) -> str:
        """Key of connector ``name``."""
        return self._key('connectors', name, name)

    def loss(self, name: str) -> str:
        """Key of distill loss ``name``."""
        return self._key('distill_losses', name, name)

    def mapping(self, loss: str, *fields: str) -> str:
        """Key of the forward mapping of ``loss`` (down to ``fields``)."""
        return self._key('loss_forward_mappings', loss,
                         '.'.join((loss, *fields)))

    def _key(self, piece: str, name: str, written: str) -> str:
        origin = self._origins.get((piece, name))
        return f'{ROOT}.{origin}' if origin else f'{ROOT}.{piece}.{written}'
