# Copyright (c) irg_mm contributors. All rights reserved.
"""The model inside mmengine's wrappers (DDP and the like)."""
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model a wrapper holds, or ``model`` itself if it is none.

    Args:
        model (nn.Module): ``runner.model``, wrapped in a distributed run.

    Returns:
        nn.Module: The model the config built.

    Examples:
        >>> unwrap_model(nn.Linear(2, 2))
        Linear(in_features=2, out_features=2, bias=True)
    """
    return model.module if is_model_wrapper(model) else model
