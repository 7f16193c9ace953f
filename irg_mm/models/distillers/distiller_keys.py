# Copyright (c) irg_mm contributors. All rights reserved.
"""Name a distiller's entries by the config keys a user wrote.

Errors found by :mod:`irg_mm.preflight.config_check`, by the hook-point
check of every ``ConfigurableDistiller`` and by
:class:`irg_mm.engine.DistillCheckHook` name the key to fix.
``IRGDistiller`` generates its recorders, connectors and losses (see
:func:`expand_irg`), so for those the key is the compact one the user wrote,
which the expansion records for every entry it generates and the distiller
keeps as ``config_keys``.
"""
from typing import Mapping, Optional

from torch import nn

from irg_mm.errors import DistillConfigError
from .irg_expansion import PIECES, Origins, expand_irg_with_origins

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
        pieces (Mapping): The five ``ConfigurableDistiller`` arguments
            (missing ones are empty).
        origins (dict, optional): For each generated entry,
            ``origins[piece][name]``: the key the user wrote, relative to
            ``model.distiller``. Defaults to None (every entry written out).

    Attributes:
        pieces (dict): The five ConfigurableDistiller arguments.
        origins (dict): ``origins[piece][name]`` of the generated entries.

    Examples:
        >>> keys = DistillerKeys.from_config(dict(edges=dict(
        ...     student='backbone.layer3.0', teacher='backbone.layer3.2')))
        >>> keys.recorder('teacher', 'irg_edges')
        'model.distiller.edges.teacher'
        >>> keys.loss('loss_irg_edge0')
        'model.distiller.edges'
        >>> DistillerKeys({}).loss('loss_kd')
        'model.distiller.distill_losses.loss_kd'
    """

    def __init__(self,
                 pieces: Mapping,
                 origins: Optional[Origins] = None) -> None:
        self.pieces = {
            piece: dict(pieces.get(piece) or {})
            for piece in PIECES
        }
        self.origins = {
            piece: dict((origins or {}).get(piece) or {})
            for piece in PIECES
        }

    @classmethod
    def from_config(cls, distiller_cfg: Mapping) -> 'DistillerKeys':
        """The keys of a ``model.distiller`` config, its compact IRG form
        expanded (the only place irg_mm expands it).

        Args:
            distiller_cfg (Mapping): The ``model.distiller`` config; one
                already resolved by :meth:`resolved_config` keeps the
                ``config_keys`` it holds.

        Returns:
            DistillerKeys: The expanded pieces and their origins.

        Raises:
            DistillConfigError: The compact form is malformed; the message
                starts with its full key, e.g. ``model.distiller.edges.mode``.
        """
        if all(distiller_cfg.get(arg) is None for arg in IRG_ARGS):
            return cls(distiller_cfg, distiller_cfg.get('config_keys'))
        try:
            return cls(*expand_irg_with_origins(
                **{arg: distiller_cfg.get(arg)
                   for arg in IRG_ARGS + PIECES}))
        except DistillConfigError as error:
            raise DistillConfigError(f'{ROOT}.{error}') from error

    @classmethod
    def of(cls, distiller: nn.Module) -> 'DistillerKeys':
        """The keys a built distiller kept (``IRGDistiller``), or those of a
        distiller whose entries are all written out."""
        keys = getattr(distiller, 'config_keys', None)
        return keys if isinstance(keys, cls) else cls({})

    def resolved_config(self, distiller_cfg: Mapping) -> dict:
        """``distiller_cfg`` with its compact form replaced by the expanded
        pieces and ``config_keys``, so the distiller built from it does not
        expand again.

        Args:
            distiller_cfg (Mapping): An ``IRGDistiller`` config.

        Returns:
            dict: The config to build the distiller from.
        """
        kept = {
            key: value
            for key, value in distiller_cfg.items()
            if key not in IRG_ARGS + PIECES + ('config_keys', )
        }
        return dict(kept, **self.pieces, config_keys=self.origins)

    def recorder(self,
                 side: str,
                 name: str,
                 field: Optional[str] = None) -> str:
        """Key of the hook points of recorder ``name`` of ``side``.

        ``field`` (``'source'`` or ``'sources'``) defaults to the one the
        recorder's config uses.
        """
        piece = f'{side}_recorders'
        if field is None:
            field = 'sources' if 'sources' in self.pieces[piece].get(
                name, {}) else 'source'
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
        return self._key('loss_forward_mappings', loss, '.'.join(
            (loss, *fields)))

    def _key(self, piece: str, name: str, written: str) -> str:
        origin = self.origins[piece].get(name)
        return f'{ROOT}.{origin}' if origin else f'{ROOT}.{piece}.{written}'
