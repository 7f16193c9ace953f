# RKD on Fashion-MNIST at the setting the tuned comparison chose on the
# validation split (docs/benchmarks/fashion_mnist.md, "Tuned comparison";
# setting x1 of six, 0.03x to 10x): MMRazor's own weights, 25 (distance)
# and 50 (angle), unchanged.
_base_ = ['../rkd_resnet20-x0.25_resnet20_fashion-mnist.py']
