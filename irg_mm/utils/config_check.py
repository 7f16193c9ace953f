# Copyright (c) irg_mm contributors. All rights reserved.
"""Check a distillation config before anything trains.

MMRazor's ``SingleTeacherDistill`` reports a mistyped hook point or a loss
mapping that names a missing recorder with a bare ``assert`` deep inside the
model build, and loads a teacher checkpoint that does not fit with a warning
only. :func:`check_distill_config` runs before the Runner is built (from
:func:`irg_mm.utils.build_runner`, so for every config that ``tools/train.py``
and ``tools/test.py`` run) and turns each of these into a
:class:`DistillConfigError` that names the config key and the fix. What only
shows with data (shapes that do not fit a loss) is checked by
:class:`irg_mm.engine.DistillCheckHook` before the first iteration.
"""
import difflib
from inspect import Parameter, signature
from typing import Dict, Iterable, List, Optional, Sequence

from mmengine.config import Config
from mmengine.registry import MODELS, Registry
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.models.task_modules.recorder import ModuleOutputsRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn

from irg_mm.models.distillers.distiller_keys import (DistillConfigError,
                                                     DistillerKeys)
from irg_mm.models.recorders import IRGGraphRecorder
from .checkpoint_check import check_teacher_checkpoint

SIDES = ('student', 'teacher')


def nearest_names(name: str, names: Iterable[str]) -> str:
    """Describe the names closest to a wrong one, for an error message.

    Args:
        name (str): The name that was not found.
        names (Iterable[str]): The names that exist.

    Returns:
        str: ``'nearest: [...]'``, or all names when none is close.

    Examples:
        >>> nearest_names('head.fcc', ['head', 'head.fc', 'backbone'])
        "nearest: ['head.fc', 'head']"
    """
    names = [n for n in names if n]
    nearest = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    if nearest:
        return f'nearest: {nearest}'
    # Module trees have hundreds of names; their roots say where to look.
    return f'available: {[n for n in names if "." not in n]}'


def check_distill_config(cfg: Config) -> None:
    """Check a ``SingleTeacherDistill`` config before the Runner builds it.

    Builds the student and the teacher once (without their init weights),
    then checks that every module-hooking recorder names modules of its
    network, that every loss and connector builds, that the loss mappings
    name existing losses, arguments, recorders and connectors, and that
    ``model.teacher_ckpt`` fits the teacher. Other configs pass unchecked.

    Args:
        cfg (Config): The full config.

    Raises:
        DistillConfigError: A check failed; the message names the key.
        TeacherCheckpointError: ``model.teacher_ckpt`` does not fit.
        FileNotFoundError: ``model.teacher_ckpt`` does not exist.
        CorruptCheckpointError: ``model.teacher_ckpt`` is truncated.
        UnsafeCheckpointError: ``model.teacher_ckpt`` holds pickled code.

    Examples:
        >>> cfg = Config.fromfile(
        ...     'configs/digits/irg_resnet8-w8_resnet20_digits.py')
        >>> cfg.model.distiller.edges.teacher = 'backbone.layer3.3'
        >>> check_distill_config(cfg)
        Traceback (most recent call last):
        DistillConfigError: model.distiller.edges.teacher: ...
    """
    model_cfg = cfg.get('model')
    if not isinstance(model_cfg, dict):
        return
    scope = model_cfg.get('_scope_', cfg.get('default_scope'))
    with MODELS.switch_scope_and_registry(scope) as registry:
        if not _is_subclass(registry, model_cfg, SingleTeacherDistill):
            return
        networks = {
            side: _build(registry, model_cfg[arg])
            for side, arg in zip(SIDES, ('architecture', 'teacher'))
        }
        distiller_cfg = model_cfg['distiller']
        if _is_subclass(registry, distiller_cfg, ConfigurableDistiller):
            keys = _distiller_keys(distiller_cfg)
            _check_recorder_sources(keys, networks)
            losses = _build_entries(registry, keys, 'distill_losses',
                                    keys.loss)
            _build_entries(registry, keys, 'connectors', keys.connector)
            _check_loss_mappings(keys, losses)
    check_teacher_checkpoint(
        model_cfg.get('teacher_ckpt'), networks['teacher'])


def _is_subclass(registry: Registry, cfg: dict, parent: type) -> bool:
    """Whether config ``cfg`` builds a ``parent`` (False if unknown)."""
    obj_type = cfg.get('type') if isinstance(cfg, dict) else None
    if isinstance(obj_type, str):
        obj_type = registry.get(obj_type)
    return isinstance(obj_type, type) and issubclass(obj_type, parent)


def _distiller_keys(distiller_cfg: dict) -> DistillerKeys:
    """Expand IRGDistiller's compact form, naming ``model.distiller``."""
    try:
        return DistillerKeys(distiller_cfg)
    except (ValueError, TypeError) as error:
        raise DistillConfigError(f'model.distiller: {error}') from error


def _build(registry: Registry, cfg: object) -> nn.Module:
    """A network of the algorithm: its config built, or itself."""
    return registry.build(cfg) if isinstance(cfg, dict) else cfg


def _sources(recorder_cfg: dict) -> Optional[List[str]]:
    """Module names a recorder hooks, or None if it hooks no module."""
    recorder_type = TASK_UTILS.get(f'{recorder_cfg.get("type")}Recorder')
    if not (isinstance(recorder_type, type)
            and issubclass(recorder_type,
                           (ModuleOutputsRecorder, IRGGraphRecorder))):
        return None
    sources = recorder_cfg.get('sources', recorder_cfg.get('source'))
    return [sources] if isinstance(sources, str) else list(sources or ())


def _check_recorder_sources(keys: DistillerKeys,
                            networks: Dict[str, nn.Module]) -> None:
    """Every module a recorder hooks must be a module of its network."""
    for side, network in networks.items():
        modules = dict(network.named_modules(remove_duplicate=False))
        for name, recorder_cfg in keys.expanded[f'{side}_recorders'].items():
            for source in _sources(recorder_cfg) or ():
                if source not in modules:
                    raise DistillConfigError(
                        f'{keys.recorder(side, name)}: "{source}" is not a '
                        f'module of the {side} ({type(network).__name__}); '
                        f'{nearest_names(source, modules)}. Use a name from '
                        f'the {side}\'s named_modules().')


def _build_entries(registry: Registry, keys: DistillerKeys, piece: str,
                   key_of) -> Dict[str, nn.Module]:
    """Build every loss or connector, naming the key of one that fails."""
    built = {}
    for name, entry_cfg in keys.expanded[piece].items():
        try:
            # A list of connectors runs as one nn.Sequential in MMRazor.
            built[name] = [registry.build(c) for c in entry_cfg] \
                if isinstance(entry_cfg, list) else registry.build(entry_cfg)
        except (ValueError, TypeError, KeyError) as error:
            raise DistillConfigError(f'{key_of(name)}: {error}') from error
    return built


def _check_loss_mappings(keys: DistillerKeys, losses: Dict[str,
                                                           nn.Module]) -> None:
    """Every mapping must name a loss, its arguments and existing records."""
    for loss_name, mapping in keys.expanded['loss_forward_mappings'].items():
        if loss_name not in losses:
            raise DistillConfigError(
                f'{keys.mapping(loss_name)}: "{loss_name}" is not a key of '
                f'model.distiller.distill_losses '
                f'({nearest_names(loss_name, losses)}); rename the mapping '
                'or add the loss')
        if not isinstance(mapping, dict):
            raise DistillConfigError(
                f'{keys.mapping(loss_name)}: expected a dict of forward '
                f'arguments, got {type(mapping).__name__}')
        _check_arguments(keys, loss_name, losses[loss_name], mapping)
        for arg, record in mapping.items():
            _check_record(keys, loss_name, arg, record)


def _check_arguments(keys: DistillerKeys, loss_name: str, loss: nn.Module,
                     mapping: dict) -> None:
    """The mapping gives exactly the loss's forward arguments."""
    params = signature(loss.forward).parameters
    for arg in mapping:
        if arg not in params:
            raise DistillConfigError(
                f'{keys.mapping(loss_name, arg)}: {type(loss).__name__}.'
                f'forward has no argument "{arg}" '
                f'({nearest_names(arg, params)})')
    missing = [
        name for name, param in params.items()
        if param.default is Parameter.empty and param.kind not in (
            Parameter.VAR_POSITIONAL,
            Parameter.VAR_KEYWORD) and name not in mapping
    ]
    if missing:
        raise DistillConfigError(
            f'{keys.mapping(loss_name)}: {type(loss).__name__}.forward needs '
            f'{missing}; map each to a record: {missing[0]}=dict('
            "from_student=True or False, recorder='<name>')")


def _check_record(keys: DistillerKeys, loss_name: str, arg: str,
                  record: object) -> None:
    """One mapped argument names a recorder of its side and a connector."""
    key = keys.mapping(loss_name, arg)
    if not isinstance(record, dict) or 'recorder' not in record or \
            not isinstance(record.get('from_student'), bool):
        raise DistillConfigError(
            f'{key}: expected dict(from_student=True or False, '
            f"recorder='<name>', ...), got {record!r}")
    side = SIDES[0] if record['from_student'] else SIDES[1]
    recorders = keys.expanded[f'{side}_recorders']
    name = record['recorder']
    if name not in recorders:
        other = SIDES[1] if side == SIDES[0] else SIDES[0]
        hint = (f'; it is a {other} recorder: set from_student='
                f'{other == SIDES[0]}'
                if name in keys.expanded[f'{other}_recorders'] else '')
        raise DistillConfigError(
            f'{key}.recorder: "{name}" is not a key of model.distiller.'
            f'{side}_recorders ({nearest_names(name, recorders)}){hint}')
    _check_data_idx(f'{key}.data_idx', recorders[name], record)
    connector = record.get('connector')
    connectors = keys.expanded['connectors']
    if connector is not None and connector not in connectors:
        raise DistillConfigError(
            f'{key}.connector: "{connector}" is not a key of model.distiller.'
            f'connectors ({nearest_names(connector, connectors)})')


def _check_data_idx(key: str, recorder_cfg: dict, record: dict) -> None:
    """``data_idx`` of an ``IRGGraph`` recorder must index its sources."""
    sources: Sequence[str] = _sources(recorder_cfg) or ()
    data_idx = record.get('data_idx')
    if 'sources' in recorder_cfg and data_idx is not None and \
            not -len(sources) <= data_idx < len(sources):
        raise DistillConfigError(
            f'{key}: {data_idx} is out of range for the {len(sources)} '
            f'sources {list(sources)}; use 0..{len(sources) - 1}')
