# Copyright (c) irg_mm contributors. All rights reserved.
from .he_resnet_cifar import HeResNetCIFAR

__all__ = ['HeResNetCIFAR']
