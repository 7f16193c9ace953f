# Copyright (c) irg_mm contributors. All rights reserved.
from .graph_agreement import GraphPair, collect_graph_pairs, pearson
from .hooks import *  # noqa: F401,F403
from .optim_wrappers import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403

__all__ = ['GraphPair', 'collect_graph_pairs', 'pearson']
