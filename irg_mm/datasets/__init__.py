# Copyright (c) irg_mm contributors. All rights reserved.
from .sklearn_digits import SklearnDigits

__all__ = ['SklearnDigits']
