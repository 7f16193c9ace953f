# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from mmrazor.registry import MODELS
from torch import nn

from irg_mm.utils.choices import check_choice

CONNECTOR_POOLING_MODES = ('avg', 'none')
CHANNEL_ALIGN_MODES = ('avg', 'proj', None)


@MODELS.register_module()
class IRGTransformConnector(BaseConnector):
    """Turn two layers of one network into the IRG transformation vector.

    The transformation of instance ``i`` between layers ``l1`` and ``l2``
    (Liu et al., CVPR 2019) is the squared distance between its two features,
    ``Lambda(i) = ||f_l1(x_i) - f_l2(x_i)||^2``, one value per instance. The
    two features must first be made comparable:

    - ``pooling='avg'`` global-average-pools both to ``[B, C]`` vectors, as
      the authors' code does (it pairs the first and last block of a stage);
      token features ``[B, N, C]`` are averaged over their tokens.
      ``pooling='none'`` compares the aligned maps element by element.
    - Spatially, both maps are average-pooled to the smaller ``H x W``
      (exact block averages when the sizes divide, as with stride 2); a
      ``[B, C]`` vector counts as a ``1 x 1`` map.
    - Channels: ``channel_align='avg'`` averages groups of adjacent channels
      of the wider feature down to the narrower count, parameter-free and
      valid when the counts divide; it generalises the 2x adjacent-channel
      pairing of the common PyTorch reimplementation (KD-Zoo). With
      ``channel_align='proj'`` a learned bias-free 1x1 projection maps the
      wider feature to the narrower one; it adds trainable parameters that
      can shape ``Lambda`` themselves, so use it on the student side only
      and keep the teacher's connector parameter-free. ``None`` requires
      equal channel counts.

    Everything runs in float32 with autocast disabled, and the difference is
    taken directly (not through ``||a||^2 + ||b||^2 - 2ab``), so there is no
    cancellation. Normalising ``Lambda`` by its batch maximum is left to the
    loss.

    Args:
        pair (Sequence[int]): Indices of the two layers in the input list.
            Defaults to ``(0, 1)``.
        pooling (str): ``'avg'`` or ``'none'``, see above. Defaults to
            ``'avg'``.
        channel_align (str, optional): ``'avg'``, ``'proj'`` or None, see
            above. Defaults to ``'avg'``.
        in_channels (Sequence[int], optional): Channel counts ``(C1, C2)`` of
            the two layers; required by ``channel_align='proj'`` only.
            Defaults to None.
        init_cfg (dict, optional): Initialisation config of the projection.
            Defaults to None.

    Examples:
        >>> import torch
        >>> import irg_mm
        >>> from mmrazor.registry import MODELS
        >>> connector = MODELS.build(
        ...     dict(type='IRGTransformConnector', pooling='none'))
        >>> early, late = torch.rand(4, 16, 8, 8), torch.rand(4, 32, 4, 4)
        >>> connector([early, late]).shape
        torch.Size([4])
    """

    def __init__(self,
                 pair: Sequence[int] = (0, 1),
                 pooling: str = 'avg',
                 channel_align: Optional[str] = 'avg',
                 in_channels: Optional[Sequence[int]] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg)
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ValueError(
                f'pair must name two different layers, got {pair}')
        check_choice('pooling', pooling, CONNECTOR_POOLING_MODES)
        check_choice('channel_align', channel_align, CHANNEL_ALIGN_MODES)
        self.pair = tuple(pair)
        self.pooling = pooling
        self.channel_align = channel_align
        self.in_channels = tuple(in_channels) if in_channels else None
        self.proj = self._build_projection() if channel_align == 'proj' \
            else None

    def _build_projection(self) -> nn.Conv2d:
        """Build the 1x1 projection from the wider layer to the narrower."""
        if self.in_channels is None or len(self.in_channels) != 2 or \
                self.in_channels[0] == self.in_channels[1]:
            raise ValueError(
                "channel_align='proj' needs in_channels=(C1, C2) with two "
                f'different channel counts, got {self.in_channels}')
        return nn.Conv2d(
            max(self.in_channels), min(self.in_channels), 1, bias=False)

    def forward_train(self, feature: Sequence[torch.Tensor]) -> torch.Tensor:
        """Compute the transformation vector of the chosen pair of layers.

        Args:
            feature (Sequence[torch.Tensor]): Features of one network at
                several layers, e.g. ``get_record_data()`` of an
                ``IRGGraph`` recorder; each ``[B, C, H, W]``, ``[B, C]`` or
                (with ``pooling='avg'``) ``[B, N, C]``.

        Returns:
            torch.Tensor: ``Lambda``, float32 of shape ``[B]``.
        """
        first, second = self._select_pair(feature)
        # bf16/fp16 squared distances lose most of their digits; the
        # transformation is small next to the features it compares.
        with torch.autocast(device_type=first.device.type, enabled=False):
            first, second = self._align(first.float(), second.float())
            return (first - second).pow(2).flatten(1).sum(dim=1)

    def _select_pair(
            self, feature: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Pick and check the two layers named by ``pair``."""
        if not isinstance(feature, (list, tuple)):
            raise TypeError(
                'IRGTransformConnector takes a list of features of one '
                f'network, got {type(feature).__name__}; record them with '
                'one IRGGraph recorder and leave data_idx unset')
        if not all(-len(feature) <= i < len(feature) for i in self.pair):
            raise IndexError(f'pair={self.pair} is out of range for '
                             f'{len(feature)} features')
        first, second = (feature[i] for i in self.pair)
        if first.shape[0] != second.shape[0]:
            raise ValueError(
                'IRGTransformConnector: the two layers disagree on the batch '
                f'size: {tuple(first.shape)} vs {tuple(second.shape)}')
        return first, second

    def _align(self, first: torch.Tensor,
               second: torch.Tensor) -> List[torch.Tensor]:
        """Bring both features to one ``[B, C, H, W]`` shape."""
        pair = [self._as_map(first), self._as_map(second)]
        size = [min(sizes) for sizes in zip(*(f.shape[2:] for f in pair))]
        pair = [F.adaptive_avg_pool2d(f, size) for f in pair]
        channels = [f.shape[1] for f in pair]
        if channels[0] == channels[1]:
            return pair
        wide = channels.index(max(channels))
        narrow = min(channels)
        if self.channel_align == 'avg' and channels[wide] % narrow == 0:
            # Group g adjacent channels: (C, H, W) -> (C/g, g, H, W) -> mean.
            shape = pair[wide].shape
            pair[wide] = pair[wide].reshape(shape[0], narrow, -1,
                                            *shape[2:]).mean(dim=2)
        elif self.channel_align == 'proj' and sorted(channels) == sorted(
                self.in_channels):
            pair[wide] = self.proj(pair[wide])
        else:
            raise ValueError(self._unaligned_message(first, second))
        return pair

    def _as_map(self, feature: torch.Tensor) -> torch.Tensor:
        """View a feature as ``[B, C, H, W]`` (vectors as ``1 x 1`` maps)."""
        if self.pooling == 'avg' and feature.dim() == 3:
            feature = feature.mean(dim=1)
        elif self.pooling == 'avg' and feature.dim() == 4:
            feature = feature.mean(dim=(2, 3))
        if feature.dim() == 2:
            return feature[:, :, None, None]
        if feature.dim() != 4:
            raise ValueError(
                'IRGTransformConnector compares [B, C] vectors and '
                f'[B, C, H, W] maps, got {tuple(feature.shape)}; token '
                "features [B, N, C] need pooling='avg'")
        return feature

    def _unaligned_message(self, first: torch.Tensor,
                           second: torch.Tensor) -> str:
        """Explain why the channel counts of the pair cannot be aligned."""
        return ('IRGTransformConnector cannot align the channels of '
                f'{tuple(first.shape)} and {tuple(second.shape)} with '
                f'channel_align={self.channel_align!r}: set '
                "channel_align='avg' (counts must divide) or channel_align="
                "'proj' with in_channels=(C1, C2) matching these features")
