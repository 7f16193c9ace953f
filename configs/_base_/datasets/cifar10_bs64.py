# mmpretrain's CIFAR-10 pipeline (pad-4 random crop, flip) at the IRG
# authors' batch of 64 images on one GPU.
_base_ = ['mmpretrain::_base_/datasets/cifar10_bs16.py']

train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
