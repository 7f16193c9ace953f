# Copyright (c) irg_mm contributors. All rights reserved.
"""How much each loss term pulls on the student, against the cross-entropy."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS
from torch import nn

from irg_mm.errors import ConfigError
from irg_mm.utils.model_wrappers import unwrap_model


def _term_total(value) -> torch.Tensor:
    # A loss entry may be a tensor or a list of them (mmengine sums both).
    return sum(value) if isinstance(value, (list, tuple)) else value


def gradient_norms(losses: Dict[str, object],
                   params: Sequence[nn.Parameter]) -> Dict[str, float]:
    """The norm of each loss term's gradient on ``params``.

    Terms are the entries mmengine's ``parse_losses`` sums (keys holding
    ``'loss'``); each gradient is taken on its own, without touching any
    ``.grad``, and the graph is kept for the step's own backward.

    Args:
        losses (Dict[str, object]): A model's loss dict.
        params (Sequence[nn.Parameter]): The parameters to measure on.

    Returns:
        Dict[str, float]: The L2 norm of each term's gradient over all of
        ``params`` (0 for a term that does not reach them).

    Examples:
        >>> weight = nn.Parameter(torch.tensor([1.0, 2.0]))
        >>> losses = {'loss_a': (weight ** 2).sum(), 'acc': torch.ones(())}
        >>> gradient_norms(losses, [weight])
        {'loss_a': 4.4721360206604}
    """
    norms = {}
    for name, value in losses.items():
        term = _term_total(value)
        if 'loss' not in name or not term.requires_grad:
            continue
        grads = torch.autograd.grad(
            term, params, retain_graph=True, allow_unused=True)
        squares = sum(g.detach().float().pow(2).sum() for g in grads
                      if g is not None)
        norms[name] = float(torch.as_tensor(squares).sqrt())
    return norms


@HOOKS.register_module()
class GradientShareHook(Hook):
    """Log each loss term's gradient norm on the student's parameters,
    relative to the cross-entropy's.

    Choosing distillation weights is choosing how hard each term pulls on
    the student. Every ``interval`` training iterations of the first
    ``epochs`` epochs, this hook takes the gradient of each loss term on
    the student's trainable parameters on its own and logs
    ``grad_share/{term}``: its norm divided by the reference term's (the
    student's cross-entropy by default). When the measured epochs end it
    logs their means and writes them to ``grad_shares.json`` in the work
    dir.

    It changes nothing the step computes: the extra gradients are taken
    with ``torch.autograd.grad`` (no ``.grad`` is touched, no random number
    drawn), so a run trains the same weights with or without it. Each
    measured iteration costs one more backward pass per term.

    Args:
        interval (int): Measure every ``interval`` iterations. Defaults to
            10.
        epochs (int, optional): Measure in the first ``epochs`` epochs
            only; None measures the whole run. Defaults to 1.
        reference (str): The loss key the others are divided by. Defaults
            to ``'student.loss'`` (a distiller's student cross-entropy; a
            plain classifier logs ``'loss'``).

    Examples:
        >>> # One line in any distillation config:
        >>> custom_hooks = [dict(type='GradientShareHook', interval=10)]
    """

    priority = 'NORMAL'

    def __init__(self,
                 interval: int = 10,
                 epochs: Optional[int] = 1,
                 reference: str = 'student.loss') -> None:
        if interval < 1:
            raise ConfigError(f'GradientShareHook.interval: {interval} must '
                              'be at least 1')
        self.interval = interval
        self.epochs = epochs
        self.reference = reference
        self.shares: Dict[str, List[float]] = {}
        self.norms: Dict[str, List[float]] = {}
        self._patched: Optional[nn.Module] = None
        self._written = False

    def _measuring(self, runner) -> bool:
        return self.epochs is None or runner.epoch < self.epochs

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Wrap the model's ``parse_losses`` for a measured iteration."""
        if not self._measuring(runner) or runner.iter % self.interval:
            return
        model = unwrap_model(runner.model)
        parse_losses = model.parse_losses

        def measure_then_parse(losses):
            self.measure(runner, model, losses)
            return parse_losses(losses)

        model.parse_losses = measure_then_parse
        self._patched = model

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Give the model its own ``parse_losses`` back."""
        if self._patched is not None:
            del self._patched.parse_losses
            self._patched = None

    def measure(self, runner, model: nn.Module, losses: dict) -> None:
        """Take every term's gradient norm and log its share."""
        student = getattr(model, 'student', model)
        params = [p for p in student.parameters() if p.requires_grad]
        norms = gradient_norms(losses, params)
        if self.reference not in norms:
            raise ConfigError(
                f'GradientShareHook.reference: {self.reference!r} is not a '
                f'loss of this model ({sorted(norms)}); set reference to '
                'its cross-entropy key')
        base = norms[self.reference]
        for name, norm in norms.items():
            share = norm / base if base > 0 else float('nan')
            self.norms.setdefault(name, []).append(norm)
            self.shares.setdefault(name, []).append(share)
            runner.message_hub.update_scalar(f'train/grad_share/{name}', share)

    def after_train_epoch(self, runner) -> None:
        """After the last measured epoch, log and save the means."""
        # mmengine counts the epoch just trained after this stage.
        if self.epochs is not None and runner.epoch + 1 == self.epochs:
            self.write_summary(runner)

    def after_train(self, runner) -> None:
        """Log and save the means if no epoch end did (iteration-based
        loops, or fewer epochs than ``epochs``)."""
        self.write_summary(runner)

    def summary(self) -> dict:
        """Mean share and mean norm of each term over the measurements."""
        return {
            name:
            dict(
                share=sum(values) / len(values),
                norm=sum(self.norms[name]) / len(values),
                samples=len(values))
            for name, values in self.shares.items()
        }

    def write_summary(self, runner) -> None:
        summary = self.summary()
        if not summary or self._written:
            return
        self._written = True
        with open(
                osp.join(runner.work_dir, 'grad_shares.json'),
                'w',
                encoding='utf-8') as f:
            json.dump(
                dict(reference=self.reference, terms=summary), f, indent=1)
        shares = ', '.join(f'{name} {entry["share"]:.3g}'
                           for name, entry in summary.items())
        print_log(
            f'gradient norms relative to {self.reference} (mean of '
            f'{next(iter(summary.values()))["samples"]} '
            f'measurements): {shares}',
            logger='current')
