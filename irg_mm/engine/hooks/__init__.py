# Copyright (c) irg_mm contributors. All rights reserved.
from .irg_graph_monitor_hook import IRGGraphMonitorHook

__all__ = ['IRGGraphMonitorHook']
