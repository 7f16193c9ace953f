# Copyright (c) irg_mm contributors. All rights reserved.
from .irg_graph_recorder import IRGGraphRecorder

__all__ = ['IRGGraphRecorder']
