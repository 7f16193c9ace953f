# Copyright (c) irg_mm contributors. All rights reserved.
from .irg_edge_loss import IRGEdgeLoss
from .irg_transform_loss import IRGTransformLoss
from .irg_vertex_loss import IRGVertexLoss

__all__ = ['IRGEdgeLoss', 'IRGTransformLoss', 'IRGVertexLoss']
