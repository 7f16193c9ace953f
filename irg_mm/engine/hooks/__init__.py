# Copyright (c) irg_mm contributors. All rights reserved.
from .channels_last_hook import ChannelsLastHook
from .distill_check_hook import DistillCheckHook
from .gradient_share_hook import GradientShareHook
from .irg_graph_monitor_hook import IRGGraphMonitorHook
from .random_state_hook import RandomStateHook

__all__ = [
    'ChannelsLastHook', 'DistillCheckHook', 'GradientShareHook',
    'IRGGraphMonitorHook', 'RandomStateHook'
]
