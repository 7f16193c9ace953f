# Copyright (c) irg_mm contributors. All rights reserved.
"""Whole training steps, built from the configs irg_mm ships.

The step section trains ResNet-50 -> ResNet-18 through MMRazor's
``SingleTeacherDistill`` with the models, data preprocessor, hook points and
weights of ``irg/resnet18_resnet50_imagenet.py``, in four variants: the
student alone, KD (MMRazor's ``KLDivergence`` as the IRG + KD recipe
``irg/irg-kd_resnet18_resnet34_imagenet.py`` configures it), IRG (every
term of the ResNet-50 config) and IRG + KD (both). The layout section trains
the Fashion-MNIST benchmark's student and teacher (``fashion_mnist/``).
Models are randomly initialised: nothing is downloaded.

Examples:
    >>> STEPS['irg_kd'], PRECISIONS['bf16_cl']
    ('IRG + KD', 'bfloat16 + channels_last')
"""
import copy
import functools
from typing import Dict, Optional

import torch
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

from irg_mm.compat.packaged_configs import find_packaged_config
from irg_mm.engine.hooks.channels_last_hook import inputs_to_channels_last
from irg_mm.engine.optim_wrappers import CPUAmpOptimWrapper

STEPS = {
    'student': 'student only',
    'kd': 'KD',
    'irg': 'IRG',
    'irg_kd': 'IRG + KD',
}
PRECISIONS = {
    'fp32': 'float32',
    'bf16': 'bfloat16 autocast',
    'bf16_cl': 'bfloat16 + channels_last',
}
# Configs irg_mm ships, as `irg_mm::` paths name them.
IRG_CONFIG = 'irg/resnet18_resnet50_imagenet.py'
KD_CONFIG = 'irg/irg-kd_resnet18_resnet34_imagenet.py'
# The ConfigurableDistiller arguments that make up KD in KD_CONFIG (its
# other keys are the IRG terms of its ResNet-34 teacher).
KD_KEYS = ('student_recorders', 'teacher_recorders', 'distill_losses',
           'loss_forward_mappings')
LAYOUT_MODELS = {
    'student': 'fashion_mnist/resnet20-x0.25_fashion-mnist.py',
    'teacher': 'fashion_mnist/resnet20_fashion-mnist.py',
}
LAYOUT_BATCH = 64
LAYOUT_SHAPE = (1, 28, 28)


@functools.lru_cache()
def _model_cfg(config: str) -> dict:
    """The ``model`` of a shipped config, loaded once per process."""
    path = find_packaged_config('irg_mm', config)
    return Config.fromfile(path).model.to_dict()


def model_cfg(config: str) -> dict:
    """A copy of the ``model`` dict of a config irg_mm ships.

    Args:
        config (str): The config, relative to irg_mm's configs (as an
            ``irg_mm::`` path names it).

    Returns:
        dict: The model config, safe to modify.
    """
    return copy.deepcopy(_model_cfg(config))


def kd_pieces() -> dict:
    """KD as the IRG + KD recipe ships it: MMRazor's ``KLDivergence`` on
    the logits, as ``ConfigurableDistiller`` arguments.

    Returns:
        dict: The recorders, loss and forward mappings of KD in
        ``KD_CONFIG``.
    """
    distiller = model_cfg(KD_CONFIG)['distiller']
    return {key: distiller[key] for key in KD_KEYS}


def step_model_cfg(variant: str) -> dict:
    """The model config of one training-step variant.

    The distillation variants reuse the IRG config's ``SingleTeacherDistill``
    (models, data preprocessor, hook points, weights) and swap its
    distiller; the student-only variant is the config's student alone.

    Args:
        variant (str): A key of ``STEPS``.

    Returns:
        dict: A model config (mmrazor scope) without a teacher checkpoint.
    """
    model = model_cfg(IRG_CONFIG)
    model['teacher_ckpt'] = None
    if variant == 'student':
        return model['architecture']
    irg = model['distiller']
    model['distiller'] = {
        'kd': dict(type='ConfigurableDistiller', **kd_pieces()),
        'irg': irg,
        'irg_kd': dict(irg, **kd_pieces()),
    }[variant]
    return model


def random_batch(batch_size: int,
                 image_size: int,
                 channels: int = 3,
                 num_classes: int = 1000) -> Dict:
    """Random uint8 images and labels, as a dataloader hands them over.

    Args:
        batch_size (int): Images.
        image_size (int): Side of the square images.
        channels (int): Channels per image. Defaults to 3.
        num_classes (int): Labels are drawn below this. Defaults to 1000.

    Returns:
        Dict: ``inputs`` (uint8 ``[N, C, H, W]``) and ``data_samples``.
    """
    images = torch.randint(
        0,
        256, (batch_size, channels, image_size, image_size),
        dtype=torch.uint8)
    labels = torch.randint(0, num_classes, (batch_size, ))
    return dict(
        inputs=images,
        data_samples=[DataSample().set_gt_label(label) for label in labels])


class TrainStep:
    """One training step of a built model: forward, backward, optimiser.

    Args:
        model (torch.nn.Module): An mmengine model in train mode.
        optim_wrapper (OptimWrapper): Its mmengine optimiser wrapper.
        data (Dict): One batch as a dataloader hands it over.

    Attributes:
        log_vars (Dict[str, torch.Tensor], optional): The losses of the last
            step, None before the first.
    """

    def __init__(self, model: torch.nn.Module, optim_wrapper: OptimWrapper,
                 data: Dict) -> None:
        self.model = model
        self.optim_wrapper = optim_wrapper
        self.data = data
        self.log_vars: Optional[Dict[str, torch.Tensor]] = None

    def __call__(self) -> None:
        self.log_vars = self.model.train_step(self.data, self.optim_wrapper)

    def check_finite(self, name: str) -> None:
        """Refuse a timing of a step whose losses are not finite.

        Args:
            name (str): The variant, named in the message.

        Raises:
            RuntimeError: If a loss of the last step is NaN or Inf.
        """
        bad = [
            key for key, value in (self.log_vars or {}).items()
            if not bool(torch.isfinite(value.detach()).all())
        ]
        if bad:
            raise RuntimeError(f'{name}: non-finite {bad} in the timed '
                               'steps; the timing is of a diverged step')


def make_train_step(model_cfg: dict, data: Dict, precision: str,
                    device: str) -> TrainStep:
    """Build a model and SGD in one precision and layout.

    Args:
        model_cfg (dict): The model config (mmrazor or mmpretrain scope).
        data (Dict): One batch as a dataloader hands it over.
        precision (str): A key of ``PRECISIONS``.
        device (str): ``'cpu'`` or a CUDA device.

    Returns:
        TrainStep: One training step (forward, backward, SGD).
    """
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).to(device)
    model.train()  # SingleTeacherDistill.train returns None, not self
    if precision == 'bf16_cl':
        model.to(memory_format=torch.channels_last)
        model.data_preprocessor.register_forward_hook(inputs_to_channels_last)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    if precision == 'fp32':
        optim_wrapper = OptimWrapper(optimizer)
    elif device.startswith('cuda'):
        optim_wrapper = AmpOptimWrapper(
            optimizer=optimizer, dtype=torch.bfloat16)
    else:
        optim_wrapper = CPUAmpOptimWrapper(optimizer=optimizer)
    return TrainStep(model, optim_wrapper, data)
