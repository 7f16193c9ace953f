# mmpretrain's CIFAR-100 (fine labels) pipeline at the IRG authors' batch of
# 64 images on one GPU.
_base_ = ['mmpretrain::_base_/datasets/cifar100_bs16.py']

train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
