# He ResNet-20, stage widths 32-64-128: the IRG paper's CIFAR teacher, trained
# alone on CIFAR-100 (fine labels; 1 GPU x 64 images, 200 epochs).
_base_ = [
    '../_base_/models/cifar_resnet20.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar_bs64_200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    _base_.teacher_model,
    head=dict(_base_.teacher_model.head, num_classes=100))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))
