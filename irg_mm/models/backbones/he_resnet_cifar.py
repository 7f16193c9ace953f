# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Sequence

from mmpretrain.models.backbones import ResNet_CIFAR
from mmpretrain.models.backbones.resnet import BasicBlock
from mmpretrain.registry import MODELS

MAX_BLOCKS_PER_STAGE = 18


@MODELS.register_module()
class HeResNetCIFAR(ResNet_CIFAR):
    """The CIFAR ResNet of He et al. (2016): three stages, depth 6n+2.

    The networks of the IRG paper's CIFAR table (ResNet20 with stage widths
    32-64-128, ResNet20-x0.5 with 16-32-64, ResNet14-x0.5...) are of this
    family, which mmpretrain's 4-stage ``ResNet_CIFAR`` does not cover. Each
    stage holds ``(depth - 2) / 6`` basic blocks; the stem is one 3x3
    convolution to ``base_channels``; channel counts double per stage.
    Shortcuts that change shape use a 1x1 convolution ("option B").
    Stages are named ``layer1`` .. ``layer3`` and blocks ``layer{s}.{b}``, so
    hook points read ``backbone.layer3.2`` as for any mmpretrain ResNet.

    Args:
        depth (int): 6n+2 with 1 <= n <= 18, e.g. 8, 14, 20, 32, 56, 110.
            Defaults to 20.
        base_channels (int): Width of the stem and the first stage; 16 is
            He's ResNet20, 32 the IRG paper's teacher, 8 a x0.5 student of
            ResNet20. Defaults to 16.
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Defaults to ``(2, )``.
        **kwargs: Other arguments of :class:`mmpretrain.models.ResNet`,
            e.g. ``norm_cfg`` or ``frozen_stages``.

    Examples:
        >>> import torch
        >>> from irg_mm.models import HeResNetCIFAR
        >>> model = HeResNetCIFAR(depth=20, base_channels=16)
        >>> [tuple(out.shape) for out in model(torch.rand(2, 3, 32, 32))]
        [(2, 64, 8, 8)]
    """

    arch_settings = {
        6 * blocks + 2: (BasicBlock, (blocks, ) * 3)
        for blocks in range(1, MAX_BLOCKS_PER_STAGE + 1)
    }

    def __init__(self,
                 depth: int = 20,
                 base_channels: int = 16,
                 out_indices: Sequence[int] = (2, ),
                 **kwargs) -> None:
        if depth not in self.arch_settings:
            raise ValueError(
                f'HeResNetCIFAR depth must be 6n+2 with 1 <= n <= '
                f'{MAX_BLOCKS_PER_STAGE} (8, 14, 20, 32, 56, 110...), got '
                f'{depth}')
        super().__init__(
            depth,
            stem_channels=base_channels,
            base_channels=base_channels,
            num_stages=3,
            strides=(1, 2, 2),
            dilations=(1, 1, 1),
            out_indices=out_indices,
            **kwargs)
