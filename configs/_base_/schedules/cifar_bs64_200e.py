# mmpretrain's CIFAR schedule (SGD lr 0.1, momentum 0.9, weight decay 1e-4,
# 200 epochs, x0.1 at epochs 100 and 150), run at batch 64 with lr 0.1.
_base_ = ['mmpretrain::_base_/schedules/cifar10_bs128.py']

auto_scale_lr = dict(base_batch_size=64)
