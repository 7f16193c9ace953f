# Copyright (c) irg_mm contributors. All rights reserved.
"""Check a distillation config before anything trains.

MMRazor's ``SingleTeacherDistill`` reports a loss mapping that names a
missing recorder with a bare ``assert`` deep inside the model build, and
loads a teacher checkpoint that does not fit with a warning only.
:func:`check_distill_config` runs before the Runner is built (from
:func:`irg_mm.launch.build_runner`, so for every config that
``tools/train.py`` and ``tools/test.py`` run) and turns each of these into a
:class:`DistillConfigError` that names the config key and the fix. What needs
the networks is checked as the Runner builds them (hook points) and right
after (the teacher checkpoint's fit); what only shows with data (shapes that
do not fit a loss), by :class:`irg_mm.engine.DistillCheckHook` before the
first iteration.
"""
import math
from inspect import Parameter, signature
from typing import Dict, List, Optional

from mmengine.config import Config
from mmengine.registry import MODELS, Registry
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.registry import TASK_UTILS
from torch import nn

from irg_mm.errors import DistillConfigError
from irg_mm.models.distillers import DistillerKeys, IRGDistiller
from irg_mm.models.utils.suggestions import nearest_names, suggest
from .checkpoint_check import TensorShapes, read_teacher_checkpoint
from .registry_check import check_model_types, check_registered
from .run_check import check_graph_sizes, check_teacher_weights

SIDES = ('student', 'teacher')


def check_distill_config(cfg: Config) -> Optional[TensorShapes]:
    """Check a ``SingleTeacherDistill`` config before the Runner builds it.

    Expands the distiller once: an ``IRGDistiller``'s compact form is
    replaced in ``cfg`` by what it expands to, with the user's key of every
    generated entry (``config_keys``), so the distiller the Runner builds
    does not expand it again. Then checks that every recorder, loss and
    connector builds, that the loss mappings name existing losses,
    arguments, recorders and connectors, and that ``model.teacher_ckpt`` is
    a safe, whole checkpoint. No network is built here: the hook points
    are checked when the Runner builds the networks (see
    :mod:`irg_mm.compat.mmrazor_hook_points`), the teacher checkpoint's fit
    right after (:func:`check_teacher_fits`). Other configs get only the
    first check, that every ``type`` in ``model`` is registered
    (:func:`check_model_types`).

    Args:
        cfg (Config): The full config; ``model.distiller`` is resolved in
            place.

    Returns:
        dict, optional: The weight shapes of ``model.teacher_ckpt`` for
        :func:`check_teacher_fits`; None without a teacher checkpoint.

    Raises:
        DistillConfigError: A check failed; the message names the key.
        TeacherCheckpointError: ``model.teacher_ckpt`` holds no weights.
        FileNotFoundError: ``model.teacher_ckpt`` does not exist.
        CorruptCheckpointError: ``model.teacher_ckpt`` is truncated.
        UnsafeCheckpointError: ``model.teacher_ckpt`` holds pickled code.

    Examples:
        >>> cfg = Config.fromfile(
        ...     'configs/digits/irg_resnet8-w8_resnet20_digits.py')
        >>> cfg.model.distiller.edges.loss_wieght = 2.0
        >>> check_distill_config(cfg)
        Traceback (most recent call last):
        DistillConfigError: model.distiller.edges.loss_wieght: ...
    """
    model_cfg = cfg.get('model')
    if not isinstance(model_cfg, dict):
        return None
    check_model_types(cfg.get('default_scope'), 'model', model_cfg)
    scope = model_cfg.get('_scope_', cfg.get('default_scope'))
    with MODELS.switch_scope_and_registry(scope) as registry:
        if not _is_subclass(registry, model_cfg, SingleTeacherDistill):
            return None
        check_options(registry, 'model', model_cfg)
        if not isinstance(model_cfg.get('distiller'), dict):
            raise DistillConfigError(
                'model.distiller: SingleTeacherDistill needs a distiller, '
                "e.g. dict(type='IRGDistiller', edges=dict(...)), got "
                f'{model_cfg.get("distiller")!r}')
        distiller_cfg = model_cfg['distiller']
        check_options(registry, 'model.distiller', distiller_cfg)
        if _is_subclass(registry, distiller_cfg, ConfigurableDistiller):
            keys = DistillerKeys.from_config(distiller_cfg)
            _check_distiller(cfg, registry, keys)
            if _is_subclass(registry, distiller_cfg, IRGDistiller):
                model_cfg['distiller'] = keys.resolved_config(distiller_cfg)
    check_teacher_weights(cfg)
    return read_teacher_checkpoint(model_cfg.get('teacher_ckpt'))


def _check_distiller(cfg: Config, registry: Registry,
                     keys: DistillerKeys) -> None:
    """Every entry of a ``ConfigurableDistiller`` builds and fits the
    others."""
    _check_recorders(keys)
    losses = _build_entries(registry, keys, 'distill_losses', keys.loss)
    _check_loss_weights(keys)
    _build_entries(registry, keys, 'connectors', keys.connector)
    _check_loss_mappings(keys, losses)
    check_graph_sizes(cfg, {
        keys.loss(name): loss
        for name, loss in losses.items()
    })


def _is_subclass(registry: Registry, cfg: dict, parent: type) -> bool:
    """Whether config ``cfg`` builds a ``parent`` (False if unknown)."""
    obj_type = cfg.get('type') if isinstance(cfg, dict) else None
    if isinstance(obj_type, str):
        obj_type = registry.get(obj_type)
    return isinstance(obj_type, type) and issubclass(obj_type, parent)


def _check_recorders(keys: DistillerKeys) -> None:
    """Every recorder builds."""
    for side in SIDES:
        for name, recorder_cfg in keys.pieces[f'{side}_recorders'].items():
            key = keys.recorder_entry(side, name)
            # MMRazor's RecorderManager builds type + 'Recorder'.
            check_registered(
                TASK_UTILS,
                f'{key}.type',
                recorder_cfg.get('type'),
                suffix='Recorder')
            _build_entry(
                TASK_UTILS, key,
                dict(recorder_cfg, type=f'{recorder_cfg.get("type")}Recorder'))


def _accepted_options(obj_type: type) -> Optional[List[str]]:
    """The keyword arguments a class takes, through the ``**kwargs`` its
    ``__init__`` hands to its parents; None if it takes any."""
    options: List[str] = []
    for klass in obj_type.__mro__:
        if '__init__' not in vars(klass):
            continue
        if klass is object:
            return None
        params = signature(klass.__init__).parameters
        options += [
            name for name, param in params.items()
            if name != 'self' and param.kind not in (Parameter.VAR_POSITIONAL,
                                                     Parameter.VAR_KEYWORD)
        ]
        if not any(p.kind is Parameter.VAR_KEYWORD for p in params.values()):
            return options
    return None


def check_options(registry: Registry, key: str, entry_cfg: dict) -> None:
    """Each argument of ``entry_cfg`` must be one its class takes.

    Args:
        registry (Registry): Where ``entry_cfg['type']`` is registered.
        key (str): The config key of ``entry_cfg``, for the message.
        entry_cfg (dict): A config with a ``type``.

    Raises:
        DistillConfigError: An argument the class does not take, with the
            nearest one it does.
    """
    obj_type = entry_cfg.get('type')
    if isinstance(obj_type, str):
        obj_type = registry.get(obj_type)
    options = _accepted_options(obj_type) if isinstance(obj_type,
                                                        type) else None
    for name in entry_cfg if options is not None else ():
        if name not in ('type', '_scope_') and name not in options:
            raise DistillConfigError(
                f'{key}: {obj_type.__name__} has no option {name!r}'
                f'{suggest(name, options)} (it takes {options})')


def _build_entry(registry: Registry, key: str, entry_cfg: dict) -> object:
    """Build one recorder, loss or connector, naming its key if it fails."""
    if not isinstance(entry_cfg, dict) or 'type' not in entry_cfg:
        raise DistillConfigError(
            f"{key}: expected a dict(type='...', ...), got {entry_cfg!r}")
    check_options(registry, key, entry_cfg)
    try:
        return registry.build(entry_cfg)
    except (ValueError, TypeError, KeyError) as error:
        raise DistillConfigError(f'{key}: {error}') from error


def _build_entries(registry: Registry, keys: DistillerKeys, piece: str,
                   key_of) -> Dict[str, nn.Module]:
    """Build every loss or connector, naming the key of one that fails."""
    built = {}
    for name, entry_cfg in keys.pieces[piece].items():
        # A list of connectors runs as one nn.Sequential in MMRazor.
        built[name] = [
            _build_entry(registry, key_of(name), c) for c in entry_cfg
        ] if isinstance(entry_cfg, list) else _build_entry(
            registry, key_of(name), entry_cfg)
    return built


def _check_loss_weights(keys: DistillerKeys) -> None:
    """A loss weight is a finite number >= 0: a negative one maximises the
    loss it weights."""
    for name, loss_cfg in keys.pieces['distill_losses'].items():
        weight = loss_cfg.get('loss_weight', 0.0)
        key = f'{keys.loss(name)}.loss_weight'
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise DistillConfigError(
                f'{key}: expected a number, got {weight!r}')
        if not math.isfinite(weight) or weight < 0:
            raise DistillConfigError(
                f'{key}: {weight} would '
                f'{"maximise" if weight < 0 else "overflow"} {name}; use a '
                'finite weight >= 0 (0 switches the term off)')


def _check_loss_mappings(keys: DistillerKeys, losses: Dict[str,
                                                           nn.Module]) -> None:
    """Every mapping must name a loss, its arguments and existing records."""
    for loss_name, mapping in keys.pieces['loss_forward_mappings'].items():
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
    recorders = keys.pieces[f'{side}_recorders']
    name = record['recorder']
    if name not in recorders:
        other = SIDES[1] if side == SIDES[0] else SIDES[0]
        hint = (f'; it is a {other} recorder: set from_student='
                f'{other == SIDES[0]}'
                if name in keys.pieces[f'{other}_recorders'] else '')
        raise DistillConfigError(
            f'{key}.recorder: "{name}" is not a key of model.distiller.'
            f'{side}_recorders ({nearest_names(name, recorders)}){hint}')
    _check_data_idx(f'{key}.data_idx', recorders[name], record)
    connector = record.get('connector')
    connectors = keys.pieces['connectors']
    # MMRazor looks up any 'connector' given, None included.
    if 'connector' in record and connector is None:
        raise DistillConfigError(
            f'{key}.connector: None names no connector; remove the key to '
            'take the record as recorded, or name one of '
            f'model.distiller.connectors {list(connectors)}')
    if connector is not None and connector not in connectors:
        raise DistillConfigError(
            f'{key}.connector: "{connector}" is not a key of model.distiller.'
            f'connectors ({nearest_names(connector, connectors)})')


def _check_data_idx(key: str, recorder_cfg: dict, record: dict) -> None:
    """``data_idx`` of an ``IRGGraph`` recorder must index its sources."""
    sources = recorder_cfg.get('sources')
    data_idx = record.get('data_idx')
    if sources is None or data_idx is None:
        return
    sources = [sources] if isinstance(sources, str) else list(sources)
    if not -len(sources) <= data_idx < len(sources):
        raise DistillConfigError(
            f'{key}: {data_idx} is out of range for the {len(sources)} '
            f'sources {sources}; use 0..{len(sources) - 1}')
