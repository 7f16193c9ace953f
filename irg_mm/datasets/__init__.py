# Copyright (c) irg_mm contributors. All rights reserved.
from .held_out_mnist import HeldOutFashionMNIST, HeldOutMNIST
from .sklearn_digits import SklearnDigits

__all__ = ['HeldOutFashionMNIST', 'HeldOutMNIST', 'SklearnDigits']
