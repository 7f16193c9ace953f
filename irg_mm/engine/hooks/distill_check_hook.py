# Copyright (c) irg_mm contributors. All rights reserved.
import copy
import logging
import random
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.registry import HOOKS
from mmengine.runner import find_latest_checkpoint
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.distillers import ConfigurableDistiller
from torch import nn

from irg_mm.errors import DistillConfigError, VertexError
from irg_mm.models.distillers import DistillerKeys
from irg_mm.models.distillers.record_sources import describe_record
from irg_mm.utils.model_wrappers import unwrap_model

# What a loss, recorder or connector raises on records it cannot take.
RECORD_ERRORS = (ValueError, TypeError, IndexError, RuntimeError,
                 AssertionError)


def distill_algorithm(model: nn.Module) -> Optional[SingleTeacherDistill]:
    """The ``SingleTeacherDistill`` with a ``ConfigurableDistiller`` inside
    ``model`` (unwrapped from DDP), or None for any other model."""
    model = unwrap_model(model)
    if isinstance(model, SingleTeacherDistill) and isinstance(
            model.distiller, ConfigurableDistiller):
        return model
    return None


def describe_loss_inputs(distiller: ConfigurableDistiller,
                         loss_name: str) -> str:
    """Name the hook points of every argument of a distill loss."""
    mapping = distiller.loss_forward_mappings[loss_name]
    return '; '.join(f'{arg} <- {describe_record(distiller, record)}'
                     for arg, record in mapping.items())


def _recorder_key(distiller: ConfigurableDistiller, keys: DistillerKeys,
                  error: VertexError) -> str:
    """The config key of the recorder that raised ``error``."""
    for side in ('student', 'teacher'):
        recorders = getattr(distiller, f'{side}_recorders').recorders
        for name, recorder in recorders.items():
            if recorder is error.recorder:
                return keys.recorder(side, name, 'sources')
    return 'model.distiller'


@contextmanager
def _without_trace(algorithm: SingleTeacherDistill) -> Iterator[None]:
    """Run forwards that leave the run exactly as it was.

    Eval mode keeps BatchNorm statistics, ``no_grad`` the autograd graph,
    and the random states are restored, so the augmentations of the dry
    run's samples do not shift the run's random stream (``--resume`` stays
    exact). Info logs are muted: the losses log their graph size once, and
    the dry run's two instances are not the run's. Distill losses are
    skipped inside the algorithm's own forward.
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()
    training, stopped = algorithm.training, algorithm.distillation_stopped
    logger = MMLogger.get_current_instance()
    log_level = logger.level
    logger.setLevel(logging.WARNING)
    algorithm.eval()
    algorithm.distillation_stopped = True
    try:
        # CPU only: in eval mode no CUDA random op (dropout) runs.
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        logger.setLevel(log_level)
        algorithm.train(training)
        algorithm.distillation_stopped = stopped


@HOOKS.register_module()
class DistillCheckHook(Hook):
    """Fail a distillation run early and loudly, never silently.

    - ``before_train`` (after ``--resume`` loaded, before any weight
      update): one dry forward of teacher and student on the first
      ``num_instances`` training samples, then every connector and every
      distill loss (a copy, so the real one keeps its state) on those
      records. A loss that cannot take its records, e.g. a vertex loss
      between outputs of different shapes, or a connector that cannot align
      a transformation pair, raises :class:`DistillConfigError` naming the
      config key, the hook points and the fix. The dry run runs in eval mode
      without gradients and restores the random states, so the run itself
      is unchanged.
    - ``after_train_iter``: a NaN or Inf among the iteration's losses raises
      ``FloatingPointError`` naming each such loss, its config key and hook
      points, and the iteration, before ``CheckpointHook`` could save it.

    ``irg_mm.launch.build_runner`` (hence ``tools/train.py``) adds this hook
    to every ``SingleTeacherDistill`` run with a ``ConfigurableDistiller``
    (``IRGDistiller`` included); other models are left alone.

    Args:
        num_instances (int): Training samples of the dry run. Two give the
            edge losses one edge. Defaults to 2.

    Examples:
        >>> # Added by tools/train.py; by hand for a Runner built otherwise:
        >>> custom_hooks = [dict(type='DistillCheckHook')]
    """

    # Before CheckpointHook (VERY_LOW) in after_train_iter: a non-finite
    # iteration must stop the run before it is saved.
    priority = 'NORMAL'

    def __init__(self, num_instances: int = 2) -> None:
        if num_instances < 1:
            raise ValueError(
                f'num_instances must be at least 1, got {num_instances}')
        self.num_instances = num_instances

    def before_train(self, runner) -> None:
        """Dry-run every distill loss on a few training samples."""
        algorithm = distill_algorithm(runner.model)
        if algorithm is None:
            return
        dataloader = runner.train_dataloader
        dataset = dataloader.dataset
        keys = DistillerKeys.of(algorithm.distiller)
        with _without_trace(algorithm):
            samples = [
                dataset[index]
                for index in range(min(self.num_instances, len(dataset)))
            ]
            data = algorithm.data_preprocessor(
                dataloader.collate_fn(samples), False)
            try:
                algorithm(**data, mode='loss')
            except VertexError as error:
                raise DistillConfigError(
                    f'{_recorder_key(algorithm.distiller, keys, error)}: '
                    f'{error}') from error
            for loss_name in algorithm.distiller.loss_forward_mappings:
                self._dry_run_loss(algorithm.distiller, keys, loss_name)

    def _dry_run_loss(self, distiller: ConfigurableDistiller,
                      keys: DistillerKeys, loss_name: str) -> None:
        """Feed one loss its records, naming the key of what fails."""
        inputs = {
            arg: self._fetch(distiller, keys, loss_name, arg, record)
            for arg, record in
            distiller.loss_forward_mappings[loss_name].items()
        }
        try:
            copy.deepcopy(distiller.distill_losses[loss_name])(**inputs)
        except RECORD_ERRORS as error:
            raise DistillConfigError(
                f'{keys.loss(loss_name)}: {loss_name} cannot take the '
                f'records of its hook points '
                f'({describe_loss_inputs(distiller, loss_name)}): {error}'
            ) from error

    @staticmethod
    def _fetch(distiller: ConfigurableDistiller, keys: DistillerKeys,
               loss_name: str, arg: str, record: dict) -> Any:
        """``distiller.get_record``, blaming the recorder or the connector."""
        record = dict(record)
        connector = record.pop('connector', None)
        connector_idx = record.pop('connector_idx', None)
        try:
            data = distiller.get_record(**record)
        except RECORD_ERRORS as error:
            raise DistillConfigError(
                f'{keys.mapping(loss_name, arg)}: {error}') from error
        if connector is None:
            return data
        try:
            data = distiller.connectors[connector](data)
        except RECORD_ERRORS as error:
            raise DistillConfigError(
                f'{keys.connector(connector)}: connector {connector!r} on '
                f'{describe_record(distiller, record)}: {error}') from error
        return data if connector_idx is None else data[connector_idx]

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[Dict[str, Any]] = None) -> None:
        """Stop at the first iteration with a NaN or Inf loss."""
        if not outputs:
            return
        device = next(
            (value.device
             for value in outputs.values() if isinstance(value, torch.Tensor)),
            None)
        values = {
            name: torch.as_tensor(value,
                                  device=device).detach().float().flatten()
            for name, value in outputs.items()
        }
        # One host synchronisation for all losses; the rest only when the
        # run is about to stop anyway.
        if bool(torch.isfinite(torch.cat(list(values.values()))).all()):
            return
        bad = {
            name: torch.as_tensor(outputs[name]).tolist()
            for name, value in values.items()
            if not bool(torch.isfinite(value).all())
        }
        raise FloatingPointError(self._non_finite_message(runner, bad))

    def _non_finite_message(self, runner, bad: Dict[str, Any]) -> str:
        """Name the losses, their keys and hook points, and the way out."""
        lines = [
            f'Non-finite loss at iteration {runner.iter + 1}: '
            f'{", ".join(f"{name}={value}" for name, value in bad.items())}.'
        ]
        algorithm = distill_algorithm(runner.model)
        if algorithm is not None:
            keys = DistillerKeys.of(algorithm.distiller)
            for name in bad:
                loss_name = name[len('distill.'):]
                if loss_name in algorithm.distiller.loss_forward_mappings:
                    lines.append(
                        f'{name} is {keys.loss(loss_name)} on ' +
                        describe_loss_inputs(algorithm.distiller, loss_name) +
                        '.')
        last = find_latest_checkpoint(runner.work_dir)
        lines.append(
            'Training stopped before this iteration was saved; ' +
            (f'the last checkpoint is {last}.'
             if last else 'no checkpoint was saved yet.') +
            ' Lower the learning rate or this loss weight, clip gradients '
            '(optim_wrapper.clip_grad), or train in float32 or bf16 rather '
            'than fp16, then resume.')
        return ' '.join(lines)
