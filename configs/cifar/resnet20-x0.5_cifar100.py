# ResNet20-x0.5 (16-32-64) trained alone on CIFAR-100 (fine labels): the
# baseline of the IRG paper's CIFAR table, with its teacher's recipe.
_base_ = [
    '../_base_/models/cifar_resnet20.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar_bs64_200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    _base_.student_model,
    head=dict(_base_.student_model.head, num_classes=100))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))
