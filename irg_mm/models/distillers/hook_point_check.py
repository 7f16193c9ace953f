# Copyright (c) irg_mm contributors. All rights reserved.
"""Check a distiller's hook points against the network it hooks."""
from typing import List, Tuple

from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.models.task_modules.recorder import ModuleOutputsRecorder
from torch import nn

from irg_mm.errors import DistillConfigError
from ..recorders import IRGGraphRecorder
from ..utils.suggestions import nearest_names
from .distiller_keys import DistillerKeys


def hooked_modules(recorder: object) -> Tuple[str, List[str]]:
    """The config field that names a recorder's hook points, and the module
    names it hooks (none for method and function recorders, which hook code
    rather than modules)."""
    if isinstance(recorder, IRGGraphRecorder):
        return 'sources', list(recorder.sources)
    if isinstance(recorder, ModuleOutputsRecorder):  # and ModuleInputs
        return 'source', [recorder.source]
    return 'source', []


def check_hook_points(distiller: ConfigurableDistiller, side: str,
                      network: nn.Module) -> None:
    """Every module a recorder of ``side`` hooks is a module of ``network``.

    Runs when the distiller is prepared from its network, before MMRazor's
    recorders hook it (and assert ``"x" is not in the model.`` on a missing
    one), so a typo is reported with its config key and the nearest names.

    Args:
        distiller (ConfigurableDistiller): The built distiller.
        side (str): ``'student'`` or ``'teacher'``.
        network (nn.Module): The network ``side`` names.

    Raises:
        DistillConfigError: A hook point is not a module of ``network``.

    Examples:
        >>> distiller = ConfigurableDistiller(student_recorders=dict(
        ...     logits=dict(type='ModuleOutputs', source='head.fcc')))
        >>> check_hook_points(distiller, 'student', nn.Sequential())
        Traceback (most recent call last):
        irg_mm.errors.DistillConfigError: model.distiller.student_recorders...
    """
    keys = DistillerKeys.of(distiller)
    modules = dict(network.named_modules(remove_duplicate=False))
    recorders = getattr(distiller, f'{side}_recorders').recorders
    for name, recorder in recorders.items():
        field, sources = hooked_modules(recorder)
        for source in sources:
            if source not in modules:
                raise DistillConfigError(
                    f'{keys.recorder(side, name, field)}: "{source}" is not '
                    f'a module of the {side} ({type(network).__name__}); '
                    f'{nearest_names(source, modules)}. Use a name from the '
                    f"{side}'s named_modules().")
