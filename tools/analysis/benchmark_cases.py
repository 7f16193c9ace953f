# Copyright (c) irg_mm contributors. All rights reserved.
"""What ``benchmark.py`` measures: the IRG edge kernel and its references,
whole distillation training steps, and the CPU fast path.

Every model and distiller comes from the shipped configs: the IRG step from
``configs/irg/resnet18_resnet50_imagenet.py``, the KD pieces from the
IRG + KD recipe ``configs/irg/irg-kd_resnet18_resnet34_imagenet.py``, the
layout models from ``configs/fashion_mnist``. Each worker at the bottom is
one measurement that ``benchmark.py --worker`` runs in its own process.

Example:
    >>> student = torch.randn(8, 16, requires_grad=True)
    >>> irg_kernel(student, torch.randn(8, 16))()  # forward + backward
    >>> student.grad.shape
    torch.Size([8, 16])
"""
import argparse
import copy
import functools
import os.path as osp
from typing import Callable, Dict, Optional, Sequence

import torch
from benchmark_harness import PeakMemory, interleaved_times, wall_times

KERNELS = {
    'irg': 'IRGEdgeLoss fwd+bwd',
    'irg_maths': 'IRG maths, no checks',
    'naive': 'broadcast fwd+bwd',
    'floor_fwd': 'matmul fwd (floor)',
    'floor_fwd_bwd': 'matmul fwd+bwd (floor)',
    'irg_products': "IRG's 3 products",
    'irg_work': 'products + shifts',
}
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
CONFIGS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'configs')
IRG_CONFIG = osp.join(CONFIGS, 'irg', 'resnet18_resnet50_imagenet.py')
KD_CONFIG = osp.join(CONFIGS, 'irg', 'irg-kd_resnet18_resnet34_imagenet.py')
# The ConfigurableDistiller arguments that make up KD in KD_CONFIG (its
# other keys are the IRG terms of its ResNet-34 teacher).
KD_KEYS = ('student_recorders', 'teacher_recorders', 'distill_losses',
           'loss_forward_mappings')
LAYOUT_MODELS = {
    'student':
    osp.join(CONFIGS, 'fashion_mnist', 'resnet20-x0.25_fashion-mnist.py'),
    'teacher':
    osp.join(CONFIGS, 'fashion_mnist', 'resnet20_fashion-mnist.py'),
}
LAYOUT_BATCH = 64
LAYOUT_SHAPE = (1, 28, 28)
LAYOUT_WARMUP = 2
FLOAT32_BYTES = 4
WARMUP_SHAPE = (4, 8)
MEMORY_STEPS = 2


# ----------------------------------------------------------------------------
# Kernel section: forward + backward on a student [B, D], teacher [B, D]
# ----------------------------------------------------------------------------
def irg_kernel(student: torch.Tensor,
               teacher: torch.Tensor) -> Callable[[], None]:
    """IRGEdgeLoss forward + backward."""
    # Imported here: only workers that need it pay for importing MMRazor.
    import irg_mm  # noqa: F401  (applies compat before MMRazor loads)
    from irg_mm.models import IRGEdgeLoss
    loss = IRGEdgeLoss()
    return lambda: loss(student, teacher).backward()


def irg_maths_kernel(student: torch.Tensor,
                     teacher: torch.Tensor) -> Callable[[], None]:
    """IRGEdgeLoss's maths without its input checks, forward + backward."""
    import irg_mm  # noqa: F401
    from irg_mm.models.utils import batch_squared_distances, normalized_mse

    def kernel() -> None:
        normalized_mse(
            batch_squared_distances(student),
            batch_squared_distances(teacher)).backward()

    return kernel


def naive_kernel(student: torch.Tensor,
                 teacher: torch.Tensor) -> Callable[[], None]:
    """The same loss with broadcast distances, forward + backward."""

    def edges(x: torch.Tensor) -> torch.Tensor:
        distances = (x[:, None] - x[None]).pow(2).sum(-1)
        return distances / distances.max().detach()

    def kernel() -> None:
        with torch.no_grad():
            edges_T = edges(teacher)
        (edges(student) - edges_T).pow(2).mean().backward()

    return kernel


def floor_fwd_kernel(student: torch.Tensor,
                     teacher: torch.Tensor) -> Callable[[], None]:
    """One [B, D] x [D, B] product, forward only."""

    def kernel() -> None:
        with torch.no_grad():
            student @ teacher.t()

    return kernel


def floor_fwd_bwd_kernel(student: torch.Tensor,
                         teacher: torch.Tensor) -> Callable[[], None]:
    """One [B, D] x [D, B] product and its backward (one product each)."""
    teacher = teacher.clone().requires_grad_(True)

    def kernel() -> None:
        teacher.grad = None  # a fresh gradient, as the student's
        (student @ teacher.t()).sum().backward()

    return kernel


def irg_products_kernel(student: torch.Tensor,
                        teacher: torch.Tensor,
                        shift: bool = False) -> Callable[[], None]:
    """The three products the edge loss cannot avoid, nothing else: the
    student's and the teacher's Gram matrices and the backward product of
    a ``[B, B]`` gradient with the student's ``[B, D]`` features. With
    ``shift``, each Gram matrix is of its input shifted by the first
    instance, as the loss does for float32 accuracy (docs/method.md): what
    any implementation of it must do, with no autograd and no ``[B, B]``
    work."""
    grad = torch.rand(
        len(student), len(student), dtype=student.dtype, device=student.device)

    def gram(features: torch.Tensor) -> None:
        if shift:
            features = features - features[:1]
        features @ features.t()

    def kernel() -> None:
        with torch.no_grad():
            gram(student)
            gram(teacher)
            grad @ student

    return kernel


KERNEL_BUILDERS = {
    'irg': irg_kernel,
    'irg_maths': irg_maths_kernel,
    'naive': naive_kernel,
    'floor_fwd': floor_fwd_kernel,
    'floor_fwd_bwd': floor_fwd_bwd_kernel,
    'irg_products': irg_products_kernel,
    'irg_work': functools.partial(irg_products_kernel, shift=True),
}


def naive_tensor_bytes(batch_size: int, dim: int) -> int:
    """Bytes of one float32 ``B x B x D`` tensor of the naive kernel."""
    return batch_size * batch_size * dim * FLOAT32_BYTES


def make_kernels(impls: Sequence[str], batch_size: int, dim: int,
                 device: str) -> Dict[str, Callable[[], None]]:
    """Build a student and a teacher ``[B, D]`` and kernels on them.

    A tiny case of each kernel runs first: it loads libraries and thread
    pools, which would otherwise be billed to the first measured call.

    Args:
        impls (Sequence[str]): Keys of ``KERNELS``.
        batch_size (int): ``B``.
        dim (int): ``D``.
        device (str): Where the tensors live.

    Returns:
        Dict[str, Callable]: One forward + backward call per kernel, each
        clearing the student's gradient first.
    """
    student = torch.randn(batch_size, dim, device=device, requires_grad=True)
    teacher = torch.randn(batch_size, dim, device=device)
    if (batch_size, dim) != WARMUP_SHAPE:
        for warmup in make_kernels(impls, *WARMUP_SHAPE, device).values():
            warmup()

    def make(impl: str) -> Callable[[], None]:
        kernel = KERNEL_BUILDERS[impl](student, teacher)

        def run() -> None:
            student.grad = None
            kernel()

        return run

    return {impl: make(impl) for impl in impls}


# ----------------------------------------------------------------------------
# Step and layout sections: models from the shipped configs
# ----------------------------------------------------------------------------
@functools.lru_cache()
def _model_cfg(path: str) -> dict:
    """The ``model`` of a shipped config, loaded once per process."""
    from mmengine.config import Config

    import irg_mm  # noqa: F401  (resolves mmpretrain:: configs locally)
    return Config.fromfile(path).model.to_dict()


def model_cfg(path: str) -> dict:
    """A copy of the ``model`` dict of a shipped config.

    Args:
        path (str): The config file.

    Returns:
        dict: The model config, safe to modify.
    """
    return copy.deepcopy(_model_cfg(path))


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
    """Random uint8 images and labels, as a dataloader hands them over."""
    from mmpretrain.structures import DataSample
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
        optim_wrapper: Its mmengine optimiser wrapper.
        data (Dict): One batch as a dataloader hands it over.

    Attributes:
        log_vars (Dict[str, torch.Tensor], optional): The losses of the last
            step, None before the first.
    """

    def __init__(self, model: torch.nn.Module, optim_wrapper,
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
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    from mmrazor.registry import MODELS

    from irg_mm.engine.hooks.channels_last_hook import inputs_to_channels_last
    from irg_mm.engine.optim_wrappers import CPUAmpOptimWrapper
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


def make_step(variant_cfg: dict, args: argparse.Namespace) -> TrainStep:
    """Build a step variant's model and SGD, as the command line asks.

    Args:
        variant_cfg (dict): The variant's model, see :func:`step_model_cfg`.
        args (argparse.Namespace): The command line (batch, image size,
            precision, device).

    Returns:
        TrainStep: Its training step on a random batch.
    """
    data = random_batch(args.step_batch, args.step_image_size)
    return make_train_step(variant_cfg, data, args.step_precision, args.device)


def timed_steps(steps: Dict[str, TrainStep], args: argparse.Namespace,
                warmup: int, repeat: int) -> Dict[str, Dict]:
    """Interleaved wall times of training steps whose losses stay finite.

    Args:
        steps (Dict[str, TrainStep]): The steps compared, by name.
        args (argparse.Namespace): The command line (its ``device``).
        warmup (int): Untimed rounds first.
        repeat (int): Timed rounds.

    Returns:
        Dict[str, Dict]: As :func:`benchmark_harness.interleaved_times`.
    """
    times = interleaved_times(steps, args.device, warmup, repeat)
    for name, step in steps.items():
        step.check_finite(name)
    return times


# ----------------------------------------------------------------------------
# Workers: one measurement each, run by `benchmark.py --worker NAME CASE...`
# ----------------------------------------------------------------------------
def kernel_memory_worker(args: argparse.Namespace, impl: str, batch_size: str,
                         dim: str) -> Dict:
    """Peak tensor memory one kernel call adds above its inputs."""
    kernel = make_kernels([impl], int(batch_size), int(dim), args.device)[impl]
    with PeakMemory(args.device) as memory:
        kernel()
    return dict(peak_bytes=memory.added_bytes())


def kernel_time_worker(args: argparse.Namespace, batch_size: str, dim: str,
                       *impls: str) -> Dict:
    """Interleaved wall times of kernels on one (B, D) case."""
    kernels = make_kernels(impls, int(batch_size), int(dim), args.device)
    return interleaved_times(kernels, args.device, 1, args.repeat)


def step_memory_worker(args: argparse.Namespace, variant: str) -> Dict:
    """Peak tensor memory of building one variant and training it: two
    steps, as the first creates the SGD state."""
    # irg_mm loads MMRazor (after its compat fixes) and mmpretrain first.
    import irg_mm  # noqa: F401
    variant_cfg = step_model_cfg(variant)
    with PeakMemory(args.device) as memory:
        step = make_step(variant_cfg, args)
        wall_times(step, args.device, MEMORY_STEPS)
    return dict(peak_bytes=memory.added_bytes())


def step_time_worker(args: argparse.Namespace, *variants: str) -> Dict:
    """Interleaved wall times of the training steps of several variants."""
    steps = {
        variant: make_step(step_model_cfg(variant), args)
        for variant in variants
    }
    return timed_steps(steps, args, args.step_warmup, args.step_repeat)


def layout_time_worker(args: argparse.Namespace) -> Dict:
    """Interleaved step times of the layout section's models in every
    precision."""
    channels, side, _ = LAYOUT_SHAPE
    data = random_batch(LAYOUT_BATCH, side, channels, num_classes=10)
    steps = {}
    for name, config in LAYOUT_MODELS.items():
        layout_cfg = dict(model_cfg(config), _scope_='mmpretrain')
        for precision in PRECISIONS:
            steps[f'{name}/{precision}'] = make_train_step(
                layout_cfg, data, precision, args.device)
    return timed_steps(steps, args, LAYOUT_WARMUP, args.layout_repeat)


WORKERS = {
    'kernel_memory': kernel_memory_worker,
    'kernel_time': kernel_time_worker,
    'step_memory': step_memory_worker,
    'step_time': step_time_worker,
    'layout_time': layout_time_worker,
}
