# Copyright (c) irg_mm contributors. All rights reserved.
"""Name a distiller's entries by the config keys a user wrote.

Errors found by :mod:`irg_mm.utils.config_check` and
:class:`irg_mm.engine.DistillCheckHook` name the key to fix. ``IRGDistiller``
generates its recorders, connectors and losses (see :func:`expand_irg`), so
for those the key is the compact one the user wrote, not the generated name.
"""
import re

from .irg_distiller import PIECES, expand_irg

IRG_ARGS = ('vertex', 'edges', 'transforms')
# The names expand_irg gives its entries: irg_edges, loss_irg_edge1,
# irg_transform0_s, ...
IRG_NAME = re.compile(
    r'(?:loss_)?irg_(vertex|edges?|transform)(\d*)(?:_[st])?')


class DistillConfigError(ValueError):
    """A distillation config that cannot train as written."""


class DistillerKeys:
    """Config keys of a distiller's entries, as the user wrote them.

    ``IRGDistiller`` generates recorders, connectors and losses from its
    compact ``vertex`` / ``edges`` / ``transforms`` arguments; an error about
    a generated entry names the compact key, e.g.
    ``model.distiller.edges.teacher``, one about an entry written out names
    its own key, e.g. ``model.distiller.student_recorders.logits.source``.

    Args:
        distiller_cfg (dict): The ``model.distiller`` config.

    Attributes:
        expanded (dict): The five ConfigurableDistiller arguments, with the
            entries that ``IRGDistiller`` generates.
    """

    def __init__(self, distiller_cfg: dict) -> None:
        self.expanded = expand_irg(
            **{arg: distiller_cfg.get(arg)
               for arg in IRG_ARGS + PIECES})
        self._written = {
            piece: set(distiller_cfg.get(piece) or ())
            for piece in PIECES
        }

    def recorder(self, side: str, name: str) -> str:
        """Key of the hook points of recorder ``name`` of ``side``."""
        piece = f'{side}_recorders'
        if self._generated(piece, name):
            return f'{self._compact(name)}.{side}'
        field = 'sources' if 'sources' in self.expanded[piece][name] \
            else 'source'
        return f'model.distiller.{piece}.{name}.{field}'

    def connector(self, name: str) -> str:
        """Key of connector ``name``."""
        if self._generated('connectors', name):
            side = 'student' if name.endswith('_s') else 'teacher'
            return f'{self._compact(name)}.{side}_connector'
        return f'model.distiller.connectors.{name}'

    def loss(self, name: str) -> str:
        """Key of distill loss ``name``."""
        if self._generated('distill_losses', name):
            return self._compact(name)
        return f'model.distiller.distill_losses.{name}'

    def mapping(self, loss: str, *fields: str) -> str:
        """Key of the forward mapping of ``loss`` (down to ``fields``)."""
        if self._generated('loss_forward_mappings', loss):
            return self._compact(loss)
        return '.'.join(
            ('model.distiller.loss_forward_mappings', loss, *fields))

    def _generated(self, piece: str, name: str) -> bool:
        return name not in self._written[piece] and bool(
            IRG_NAME.fullmatch(name))

    @staticmethod
    def _compact(name: str) -> str:
        kind, index = IRG_NAME.fullmatch(name).groups()
        if kind == 'transform':
            return f'model.distiller.transforms[{index}]'
        return f'model.distiller.{"vertex" if kind == "vertex" else "edges"}'
