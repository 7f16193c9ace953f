# Copyright (c) irg_mm contributors. All rights reserved.
"""The IRG terms a distillation checkpoint computes on validation data.

Builds a distillation config's model, loads a checkpoint of the whole
distillation model into it (the teacher's weights come from the checkpoint,
or from the config's ``model.teacher_ckpt`` when it holds only the student)
and runs teacher and student on the first batch of the config's validation
data exactly as a training step records them, but in eval mode and without
gradients.
"""
from typing import List, NamedTuple, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader
from mmrazor.registry import MODELS
from torch import Tensor, nn

from irg_mm.engine import GraphPair, collect_graph_pairs
from irg_mm.errors import DistillConfigError
from irg_mm.launch.distill_checkpoint import use_checkpoint_teacher
from irg_mm.preflight.checkpoint_check import (TEACHER_PREFIX,
                                               unwrapped_state_dict)


class BatchGraphs(NamedTuple):
    """The IRG terms of one batch and what names its instances.

    Args:
        pairs (list[GraphPair]): One entry per IRG edge or transformation
            loss, in the distiller's order.
        labels (Tensor): The ``[B]`` ground-truth labels.
        classes (list[str]): The dataset's class names, by label.
    """

    pairs: List[GraphPair]
    labels: Tensor
    classes: List[str]


def load_distill_model(cfg: Config, checkpoint: str) -> nn.Module:
    """Build the distillation model and load a distillation checkpoint.

    Args:
        cfg (Config): The distillation config; its ``model.teacher_ckpt``
            becomes None when the checkpoint holds the teacher.
        checkpoint (str): A checkpoint of the whole distillation model; its
            ``teacher.*`` weights may be missing when ``model.teacher_ckpt``
            of the config points at the teacher's own checkpoint.

    Returns:
        nn.Module: The model in eval mode.

    Raises:
        DistillConfigError: The checkpoint holds no student, holds no
            teacher while ``model.teacher_ckpt`` names no file, or was
            written by another model.
    """
    use_checkpoint_teacher(cfg, checkpoint)
    model = MODELS.build(cfg.model)
    state_dict = unwrapped_state_dict(
        CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu'))
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    # Without teacher.* weights the teacher came from model.teacher_ckpt.
    missing = [key for key in missing if not key.startswith(TEACHER_PREFIX)]
    if missing or unexpected:
        raise DistillConfigError(
            f'model: {checkpoint} does not fit {cfg.model.type} (missing '
            f'{missing}, unexpected {unexpected}); pass the config the '
            'checkpoint was trained with')
    # SingleTeacherDistill.train() returns None, so no chaining.
    model.eval()
    return model


def first_val_batch(cfg: Config, batch_size: int) -> Tuple[dict, List[str]]:
    """The first ``batch_size`` samples of the config's validation data.

    Args:
        cfg (Config): The config, with a ``val_dataloader``.
        batch_size (int): How many samples.

    Returns:
        tuple[dict, list[str]]: The raw batch and the dataset's class names.
    """
    loader_cfg = cfg.val_dataloader.copy()
    loader_cfg.batch_size = batch_size
    loader = Runner.build_dataloader(loader_cfg)
    return next(iter(loader)), list(loader.dataset.metainfo['classes'])


@torch.no_grad()
def record_graphs(model: nn.Module,
                  batch: dict) -> Tuple[List[GraphPair], Tensor]:
    """Run one distillation step without training and read its IRG terms.

    Args:
        model (nn.Module): The distillation model in eval mode.
        batch (dict): A raw batch of the dataloader.

    Returns:
        tuple[list[GraphPair], Tensor]: The IRG terms and the ``[B]``
        ground-truth labels.
    """
    data = model.data_preprocessor(batch, False)
    # The loss mode runs teacher and student inside their recorders, as a
    # training step does.
    model(**data, mode='loss')
    labels = torch.cat([sample.gt_label for sample in data['data_samples']])
    return collect_graph_pairs(model.distiller), labels


def read_checkpoint_graphs(cfg: Config, checkpoint: str,
                           batch_size: int) -> BatchGraphs:
    """The IRG terms of a distillation checkpoint on the first validation
    batch of its config.

    The config's ``default_scope`` (``mmpretrain`` when unset) becomes the
    default scope first, as a Runner would make it, so that the dataset and
    its transforms are found.

    Args:
        cfg (Config): The distillation config, changed as
            :func:`load_distill_model` says.
        checkpoint (str): A checkpoint of the whole distillation model.
        batch_size (int): The instances in the graph: the first
            ``batch_size`` validation samples.

    Returns:
        BatchGraphs: The terms, labels and class names.

    Raises:
        DistillConfigError: See :func:`load_distill_model`; also when the
            distiller has no IRG edge or transformation loss to read.

    Examples:
        Draw the graphs of a trained MTK student, as
        ``tools/analysis/visualize_irg.py`` does::

            cfg = Config.fromfile(
                'configs/digits/mtk_resnet8-w8_resnet20_digits.py')
            graphs = read_checkpoint_graphs(
                cfg, 'work_dirs/mtk/epoch_15.pth', batch_size=64)
            [pair.short_name for pair in graphs.pairs]
            # ['edge0', 'edge1', 'edge2', 'transform0', 'transform1']
    """
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = load_distill_model(cfg, checkpoint)
    batch, classes = first_val_batch(cfg, batch_size)
    pairs, labels = record_graphs(model, batch)
    if not pairs:
        raise DistillConfigError(
            'model.distiller: no IRGEdgeLoss or IRGTransformLoss, so there '
            'is no graph to draw; pass a config that distils with IRG edges '
            'or transformations (e.g. configs/digits/'
            'irg_resnet8-w8_resnet20_digits.py)')
    return BatchGraphs(pairs, labels, classes)
