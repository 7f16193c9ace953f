# ResNet20-x0.5 (16-32-64) trained alone on CIFAR-100 (fine labels): the
# baseline of the IRG paper's CIFAR table, with its teacher's recipe (the
# teacher's config at the student's width).
_base_ = ['./resnet20_cifar100.py']

model = dict(
    backbone=_base_.student_model.backbone,
    head=dict(in_channels=_base_.student_model.head.in_channels))
