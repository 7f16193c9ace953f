# Copyright (c) irg_mm contributors. All rights reserved.
import logging
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS
from mmrazor.models.distillers import ConfigurableDistiller

from ..graph_agreement import GRAPH_LOSSES, collect_graph_pairs
from .distill_check_hook import distill_algorithm


@HOOKS.register_module()
class IRGGraphMonitorHook(Hook):
    """Log how well the student's instance relationship graph follows the
    teacher's.

    Every ``interval`` training iterations, for each IRG edge and
    transformation loss of the distiller, the teacher's and the student's
    term of that iteration (as the loss compares them) are compared,
    and two scalars per term go to the message hub, so ``LoggerHook`` prints
    them and the visualizer backends (e.g. TensorBoard) store them:

    - ``{prefix}.{term}.corr``: Pearson correlation of the two terms (edge
      matrices: their entries above the diagonal);
    - ``{prefix}.{term}.mad``: their mean absolute difference,

    where ``term`` is the loss name without ``loss_irg_``, e.g.
    ``irg_graph.edge0.corr`` for ``loss_irg_edge0``.

    The hook reads the records the distiller's recorders kept from the
    iteration's forward: it runs no forward of its own, and nothing at all
    in the iterations it skips. When it runs it builds one ``B x B`` matrix
    per edge term and side, without gradients.

    Note:
        - The terms are the losses' own (their ``normalize`` and
          ``graph_scope``): under DDP a ``'local'`` loss's graph is the
          per-GPU batch's and the log shows rank 0's; a ``'global'`` one
          gathers all ranks' instances, as its loss does.
        - ``LoggerHook`` prints the latest value of these scalars at every
          log interval, so make ``interval`` a multiple of the logger's
          interval to log each value once.

    Args:
        interval (int): Compare every ``interval`` training iterations.
            Defaults to 50.
        prefix (str): Prefix of the logged names. Defaults to ``'irg_graph'``.

    Examples:
        >>> # One line in a distillation config with IRG losses:
        >>> custom_hooks = [dict(type='IRGGraphMonitorHook', interval=50)]
    """

    # Before LoggerHook (BELOW_NORMAL), which prints in the same stage.
    priority = 'NORMAL'

    def __init__(self, interval: int = 50, prefix: str = 'irg_graph') -> None:
        if interval < 1:
            raise ValueError(f'interval must be at least 1, got {interval}')
        self.interval = interval
        self.prefix = prefix
        self._distiller: Optional[ConfigurableDistiller] = None

    def before_train(self, runner) -> None:
        """Find the distiller and check that it has IRG terms to compare.

        Args:
            runner (Runner): The runner of the training process.
        """
        algorithm = distill_algorithm(runner.model)
        if algorithm is None:
            raise TypeError(
                f'{type(self).__name__} needs a SingleTeacherDistill model '
                'with a ConfigurableDistiller (e.g. IRGDistiller), got '
                f'{type(runner.model).__name__}')
        distiller = algorithm.distiller
        if not any(
                isinstance(loss, GRAPH_LOSSES)
                for loss in distiller.distill_losses.values()):
            print_log(
                f'{type(self).__name__}: the distiller has no IRGEdgeLoss or '
                'IRGTransformLoss, so there is nothing to log',
                logger='current',
                level=logging.WARNING)
        self._distiller = distiller

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Log the graph agreement of this iteration every ``interval``.

        Args:
            runner (Runner): The runner of the training process.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (dict, optional): The batch. Unused.
            outputs (dict, optional): The losses of the iteration. Unused.
        """
        if not self.every_n_train_iters(runner, self.interval):
            return
        for pair in collect_graph_pairs(self._distiller):
            for metric, value in pair.agreement().items():
                runner.message_hub.update_scalar(
                    f'train/{self.prefix}.{pair.short_name}.{metric}', value)
