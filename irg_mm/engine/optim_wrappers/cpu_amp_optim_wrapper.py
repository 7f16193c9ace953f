# Copyright (c) irg_mm contributors. All rights reserved.
from contextlib import contextmanager
from typing import Iterator

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision training on the CPU: bfloat16 autocast.

    mmengine's ``AmpOptimWrapper`` asserts a GPU (or NPU, MLU, MUSA). This
    wrapper runs the forward pass (data preprocessor, teacher, student and
    losses) under ``torch.autocast('cpu', dtype=torch.bfloat16)`` and steps
    like a plain :class:`OptimWrapper`. No ``GradScaler`` is needed:
    bfloat16 keeps float32's exponent range, so gradients do not underflow
    as float16 ones do. The parameters and the optimizer stay float32, and
    the IRG distances, normalisers and transformations disable autocast and
    run in float32.

    Args:
        **kwargs: :class:`OptimWrapper` arguments (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).

    Examples:
        >>> optim_wrapper = dict(
        ...     type='CPUAmpOptimWrapper',
        ...     optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
    """

    cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Autocast to bfloat16 on top of the accumulation context.

        Args:
            model (nn.Module): The training model.
        """
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield


def amp_optim_wrapper_cfg(optim_wrapper: ConfigDict) -> ConfigDict:
    """Turn a config's optim wrapper into the AMP one this machine supports.

    Args:
        optim_wrapper (ConfigDict): ``cfg.optim_wrapper``, changed in place.

    Returns:
        ConfigDict: ``AmpOptimWrapper`` with dynamic loss scaling when CUDA
        is available, else :class:`CPUAmpOptimWrapper`.
    """
    if torch.cuda.is_available():
        optim_wrapper.type = 'AmpOptimWrapper'
        optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        optim_wrapper.type = 'CPUAmpOptimWrapper'
    return optim_wrapper
