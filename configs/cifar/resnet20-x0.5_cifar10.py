# ResNet20-x0.5 (16-32-64) trained alone on CIFAR-10: the baseline of the IRG
# paper's CIFAR table, with its teacher's recipe.
_base_ = [
    '../_base_/models/cifar_resnet20.py',
    '../_base_/datasets/cifar10_bs64.py',
    '../_base_/schedules/cifar_bs64_200e.py',
    '../_base_/default_runtime.py',
]

model = _base_.student_model
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))
