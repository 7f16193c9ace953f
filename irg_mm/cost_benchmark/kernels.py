# Copyright (c) irg_mm contributors. All rights reserved.
"""The kernel section's kernels: forward + backward of
:class:`irg_mm.models.IRGEdgeLoss` on a student ``[B, D]`` (teacher of the
same shape), against

- ``irg_maths``: the same maths without the loss's input checks
  (``batch_squared_distances`` twice and ``normalized_mse``);
- ``naive``: the same loss with distances by broadcasting
  ``(x[:, None] - x[None]).pow(2).sum(-1)``, which builds (and lets autograd
  keep) ``B x B x D`` tensors;
- ``floor_fwd``: one ``[B, D] x [D, B]`` product, forward only
  (``2 B^2 D`` flops);
- ``floor_fwd_bwd``: the same product with its backward, two more products
  of the same size (``6 B^2 D`` flops). This is the floor the targets use:
  the IRG kernel cannot do less, since it needs the teacher's Gram matrix,
  the student's, and one product in backward;
- ``irg_products``: those three products alone (no autograd);
- ``irg_work``: the same with each Gram matrix of its input shifted by the
  first instance, as the loss does for float32 accuracy: what any
  implementation of the loss must do, so its ratio to the floor bounds what
  the target can ask of one here.

Examples:
    >>> student = torch.randn(8, 16, requires_grad=True)
    >>> irg_kernel(student, torch.randn(8, 16))()  # forward + backward
    >>> student.grad.shape
    torch.Size([8, 16])
"""
import functools
from typing import Callable, Dict, Sequence

import torch

from irg_mm.models import IRGEdgeLoss
from irg_mm.models.utils import batch_squared_distances, normalized_mse

Kernel = Callable[[], None]

KERNELS = {
    'irg': 'IRGEdgeLoss fwd+bwd',
    'irg_maths': 'IRG maths, no checks',
    'naive': 'broadcast fwd+bwd',
    'floor_fwd': 'matmul fwd (floor)',
    'floor_fwd_bwd': 'matmul fwd+bwd (floor)',
    'irg_products': "IRG's 3 products",
    'irg_work': 'products + shifts',
}
FLOAT32_BYTES = 4
# make_kernels runs every kernel at this (B, D) first, unmeasured.
WARMUP_SHAPE = (4, 8)


def irg_kernel(student: torch.Tensor, teacher: torch.Tensor) -> Kernel:
    """IRGEdgeLoss forward + backward.

    Args:
        student (torch.Tensor): ``[B, D]`` features that require grad.
        teacher (torch.Tensor): ``[B, D]`` features.

    Returns:
        Callable[[], None]: One forward + backward call.
    """
    loss = IRGEdgeLoss()
    return lambda: loss(student, teacher).backward()


def irg_maths_kernel(student: torch.Tensor, teacher: torch.Tensor) -> Kernel:
    """IRGEdgeLoss's maths without its input checks, forward + backward.

    Args and Returns as :func:`irg_kernel`.
    """

    def kernel() -> None:
        normalized_mse(
            batch_squared_distances(student),
            batch_squared_distances(teacher)).backward()

    return kernel


def naive_kernel(student: torch.Tensor, teacher: torch.Tensor) -> Kernel:
    """The same loss with broadcast distances, forward + backward.

    Args and Returns as :func:`irg_kernel`.
    """

    def edges(x: torch.Tensor) -> torch.Tensor:
        distances = (x[:, None] - x[None]).pow(2).sum(-1)
        return distances / distances.max().detach()

    def kernel() -> None:
        with torch.no_grad():
            edges_T = edges(teacher)
        (edges(student) - edges_T).pow(2).mean().backward()

    return kernel


def floor_fwd_kernel(student: torch.Tensor, teacher: torch.Tensor) -> Kernel:
    """One ``[B, D] x [D, B]`` product, forward only.

    Args and Returns as :func:`irg_kernel`.
    """

    def kernel() -> None:
        with torch.no_grad():
            student @ teacher.t()

    return kernel


def floor_fwd_bwd_kernel(student: torch.Tensor,
                         teacher: torch.Tensor) -> Kernel:
    """One ``[B, D] x [D, B]`` product and its backward (one product each).

    Args and Returns as :func:`irg_kernel`.
    """
    teacher = teacher.clone().requires_grad_(True)

    def kernel() -> None:
        # A fresh gradient, as the student's: accumulating into the last one
        # costs an extra [B, D] pass, and slowed whichever kernel ran next.
        teacher.grad = None
        (student @ teacher.t()).sum().backward()

    return kernel


def irg_products_kernel(student: torch.Tensor,
                        teacher: torch.Tensor,
                        shift: bool = False) -> Kernel:
    """The three products the edge loss cannot avoid, nothing else.

    The student's and the teacher's Gram matrices and the backward product
    of a ``[B, B]`` gradient with the student's ``[B, D]`` features, with no
    autograd and no ``[B, B]`` work.

    Args:
        student (torch.Tensor): ``[B, D]`` features.
        teacher (torch.Tensor): ``[B, D]`` features.
        shift (bool): Take each Gram matrix of its input shifted by the
            first instance, as the loss does for float32 accuracy
            (docs/method.md): what any implementation of it must do.
            Defaults to False.

    Returns:
        Callable[[], None]: One call of the products.
    """
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
    """Bytes of one float32 ``B x B x D`` tensor of the naive kernel.

    Args:
        batch_size (int): ``B``.
        dim (int): ``D``.

    Returns:
        int: Bytes.

    Examples:
        >>> naive_tensor_bytes(32, 25088) / 2**20
        98.0
    """
    return batch_size * batch_size * dim * FLOAT32_BYTES


def make_kernels(impls: Sequence[str], batch_size: int, dim: int,
                 device: str) -> Dict[str, Kernel]:
    """Build a student and a teacher ``[B, D]`` and kernels on them.

    A tiny case of each kernel runs first: it loads libraries and thread
    pools, which would otherwise be billed to the first measured call.

    Args:
        impls (Sequence[str]): Keys of ``KERNELS``.
        batch_size (int): ``B``.
        dim (int): ``D``.
        device (str): Where the tensors live.

    Returns:
        Dict[str, Callable[[], None]]: One forward + backward call per
        kernel, each clearing the student's gradient first.

    Examples:
        >>> kernels = make_kernels(['floor_fwd_bwd'], 4, 16, 'cpu')
        >>> kernels['floor_fwd_bwd']()
    """
    student = torch.randn(batch_size, dim, device=device, requires_grad=True)
    teacher = torch.randn(batch_size, dim, device=device)
    if (batch_size, dim) != WARMUP_SHAPE:
        for warmup in make_kernels(impls, *WARMUP_SHAPE, device).values():
            warmup()

    def make(impl: str) -> Kernel:
        kernel = KERNEL_BUILDERS[impl](student, teacher)

        def run() -> None:
            student.grad = None
            kernel()

        return run

    return {impl: make(impl) for impl in impls}
