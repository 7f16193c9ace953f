# Copyright (c) irg_mm contributors. All rights reserved.
"""Name the config key of a hook point that is not a module.

MMRazor's ``ModuleOutputsRecorder`` (and so every ``ConfigurableDistiller``)
stops a mistyped hook point with a bare ``AssertionError: "head.fcc" is not
in the model.``, deep in the model build. The fix checks every recorder's
hook points when the distiller is prepared from each network, the one time
the network is built, and raises irg_mm's ``DistillConfigError`` with the
config key and the nearest module names instead.
"""
from typing import Callable

from torch import nn

SIDES = ('student', 'teacher')


def _checked(prepare: Callable, side: str) -> Callable:
    """``prepare_from_<side>`` that checks the hook points first."""

    def prepare_from_network(self, model: nn.Module) -> None:
        # irg_mm.models imports MMRazor, which this module must not do
        # before the quantization stand-in is installed.
        from irg_mm.models.distillers import hook_point_check
        hook_point_check.check_hook_points(self, side, model)
        prepare(self, model)

    prepare_from_network.checks_hook_points = True
    return prepare_from_network


def check_hook_points_on_prepare() -> None:
    """Patch ``ConfigurableDistiller.prepare_from_student`` and
    ``prepare_from_teacher``; idempotent."""
    from mmrazor.models.distillers import ConfigurableDistiller
    for side in SIDES:
        name = f'prepare_from_{side}'
        prepare = getattr(ConfigurableDistiller, name)
        if not getattr(prepare, 'checks_hook_points', False):
            setattr(ConfigurableDistiller, name, _checked(prepare, side))
