# Copyright (c) irg_mm contributors. All rights reserved.
"""What the device tests share: the devices and autocast dtypes they run on,
the float64 references they are held to, and the guards they run under.

Every test body parametrized over ``DEVICES`` runs on the CPU (so its logic
is exercised on any machine) and, marked ``cuda``, on the GPU where there is
one. The references are written independently of irg_mm (plain broadcasting
formulas in float64 on the CPU), so a device result equal to them is right,
not just consistent. (No conftest.py here: the suite imports its root
``conftest`` by name, which a second one would shadow.)
"""
import contextlib
from typing import Iterator

import pytest
import torch
from torch import Tensor

HAS_CUDA = torch.cuda.is_available()
NEEDS_CUDA = pytest.mark.skipif(not HAS_CUDA, reason='needs a CUDA GPU')
# A test that only means something on a GPU carries both marks itself.
DEVICES = [
    pytest.param('cpu', id='cpu'),
    pytest.param('cuda', id='cuda', marks=[pytest.mark.cuda, NEEDS_CUDA]),
]
AUTOCAST_DTYPES = [
    pytest.param(torch.float16, id='float16'),
    pytest.param(torch.bfloat16, id='bfloat16'),
]
# float32 against float64 on inputs of order 1: a few float32 roundings.
FLOAT32_TOLERANCE = dict(rtol=1e-5, atol=1e-6)


def skip_unless_autocasts(device: str, dtype: torch.dtype) -> None:
    """Skip where this torch does not autocast ``device`` to ``dtype``."""
    probe = torch.nn.Linear(2, 2).to(device)
    with torch.autocast(device, dtype=dtype):
        if probe(torch.ones(1, 2, device=device)).dtype != dtype:
            pytest.skip(f'this torch does not autocast {device} to {dtype}')


@contextlib.contextmanager
def full_float32() -> Iterator[None]:
    """TF32 off, so CUDA float32 is held to float32's precision.

    Ampere and later GPUs run float32 convolutions in TF32 (10-bit
    mantissa) by default: a speed setting, not a bug to detect.
    """
    saved = (torch.backends.cuda.matmul.allow_tf32,
             torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        (torch.backends.cuda.matmul.allow_tf32,
         torch.backends.cudnn.allow_tf32) = saved


@contextlib.contextmanager
def no_host_sync() -> Iterator[None]:
    """Make any synchronisation with the host inside raise RuntimeError."""
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode('default')


def squared_distances(features: Tensor) -> Tensor:
    """``||f_i - f_j||^2`` of the flattened instances, by broadcasting."""
    flat = features.flatten(1) if features.dim() > 1 else features[:, None]
    return (flat[:, None] - flat[None]).pow(2).sum(-1)


def by_max(values: Tensor) -> Tensor:
    """Divide by the largest entry, taken as a constant (the paper's)."""
    return values / values.max().detach()


def vertex_reference(preds_S: Tensor, preds_T: Tensor,
                     loss_weight: float) -> Tensor:
    return loss_weight * (preds_S - preds_T).flatten(1).pow(2).sum(1).mean()


def edge_reference(preds_S: Tensor, preds_T: Tensor,
                   loss_weight: float) -> Tensor:
    return loss_weight * (by_max(squared_distances(preds_S)) -
                          by_max(squared_distances(preds_T))).pow(2).mean()


def transform_reference(preds_S: Tensor, preds_T: Tensor,
                        loss_weight: float) -> Tensor:
    return loss_weight * (by_max(preds_S) - by_max(preds_T)).pow(2).mean()


def float64_cpu(tensor: Tensor, requires_grad: bool = False) -> Tensor:
    """A float64 CPU leaf copy of ``tensor``."""
    return tensor.detach().cpu().double().requires_grad_(requires_grad)
