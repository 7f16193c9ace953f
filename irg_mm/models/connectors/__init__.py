# Copyright (c) irg_mm contributors. All rights reserved.
from .irg_transform_connector import IRGTransformConnector

__all__ = ['IRGTransformConnector']
