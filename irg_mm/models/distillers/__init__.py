# Copyright (c) irg_mm contributors. All rights reserved.
from .irg_distiller import IRGDistiller, expand_irg

__all__ = ['IRGDistiller', 'expand_irg']
