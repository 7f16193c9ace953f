# Copyright (c) irg_mm contributors. All rights reserved.
from .distiller_keys import DistillerKeys
from .irg_distiller import IRGDistiller
from .irg_expansion import expand_irg

__all__ = ['IRGDistiller', 'DistillerKeys', 'expand_irg']
