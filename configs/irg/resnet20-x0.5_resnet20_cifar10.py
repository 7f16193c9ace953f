# IRG (L_MTK: logits vertex + one-to-many edges + transformations), He
# ResNet-20 (32-64-128) -> ResNet20-x0.5 (16-32-64) on CIFAR-10: the L_MTK
# column of the paper's CIFAR table. 1 GPU x 64 images, 200 epochs.
_base_ = [
    '../_base_/cifar_resnet20_distill.py',
    '../_base_/schedules/cifar_bs64_200e.py',
    '../_base_/datasets/cifar10_bs64.py',
]

# Written by `python tools/train.py configs/cifar/resnet20_cifar10.py`.
teacher_ckpt = 'work_dirs/resnet20_cifar10/epoch_200.pth'

model = dict(
    data_preprocessor=_base_.data_preprocessor,
    teacher_ckpt=teacher_ckpt,
    # 0.1 x the mean squared logit difference per class (KD-Zoo's weighting;
    # the loss sums over the 10 classes).
    distiller=dict(vertex=dict(loss_weight=0.1 / 10)))
# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
