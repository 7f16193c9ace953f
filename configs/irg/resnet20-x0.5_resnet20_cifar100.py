# IRG (L_MTK), He ResNet-20 (32-64-128) -> ResNet20-x0.5 (16-32-64) on
# CIFAR-100 (fine labels): the L_MTK column of the paper's CIFAR table.
_base_ = [
    '../_base_/cifar_resnet20_distill.py',
    '../_base_/schedules/cifar_bs64_200e.py',
    '../_base_/datasets/cifar100_bs64.py',
]

# Written by `python tools/train.py configs/cifar/resnet20_cifar100.py`.
teacher_ckpt = 'work_dirs/resnet20_cifar100/epoch_200.pth'

model = dict(
    data_preprocessor=_base_.data_preprocessor,
    architecture=dict(head=dict(num_classes=100)),
    teacher=dict(head=dict(num_classes=100)),
    teacher_ckpt=teacher_ckpt,
    # 0.1 x the mean squared logit difference per class (100 classes).
    distiller=dict(vertex=dict(loss_weight=0.1 / 100)))
# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
