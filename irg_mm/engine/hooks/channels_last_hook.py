# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Any

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from irg_mm.utils.model_wrappers import unwrap_model


def inputs_to_channels_last(module: nn.Module, args: Any,
                            output: dict) -> dict:
    """Forward hook of a data preprocessor: 4-D inputs to channels_last."""
    inputs = output.get('inputs') if isinstance(output, dict) else None
    if isinstance(inputs, torch.Tensor) and inputs.dim() == 4:
        output['inputs'] = inputs.contiguous(memory_format=torch.channels_last)
    return output


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Train and evaluate convolutional networks in channels_last layout.

    Before the run, every 4-D parameter and buffer of the model (student,
    teacher and distiller) is stored channels_last (NHWC), and the data
    preprocessor's output batch is made channels_last too, so every
    convolution reads and writes NHWC. With bfloat16 autocast on a CPU with
    AMX (``--amp``), and with float16 or bfloat16 on recent GPUs, the
    convolution kernels are much faster in this layout; results equal the
    default layout's within rounding (the maths is the same).
    ``tools/analysis/cost_benchmark.py --sections layout`` prints the ratio on
    the machine at hand.

    The parameters keep their identity, so the optimizer built before this
    hook runs still updates them, and checkpoints load into either layout.

    Note:
        Under DDP the model is wrapped before hooks run, so its gradient
        buckets keep the default layout and each step copies the
        gradients once (PyTorch warns about the stride mismatch). Use it
        mainly for single-process runs.

    Examples:
        >>> custom_hooks = [dict(type='ChannelsLastHook')]
        >>> # or: tools/train.py CONFIG --amp --channels-last
    """

    # Before anything else looks at the model's tensors.
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = unwrap_model(runner.model)
        model.to(memory_format=torch.channels_last)
        model.data_preprocessor.register_forward_hook(inputs_to_channels_last)
