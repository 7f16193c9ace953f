# What the Fashion-MNIST distillation configs share: the CIFAR-family pair of
# cifar_resnet20_distill.py for 1-channel input, student ResNet20-x0.25
# (8-16-32; the same change as models/fashion_mnist_resnet20.py, checked by
# tests/test_configs), IRG's L_MTK terms at the authors' effective weights
# (docs/configs.md), the benchmark's data and schedule.
_base_ = [
    './cifar_resnet20_distill.py',
    './datasets/fashion_mnist_bs64.py',
    './schedules/fashion_mnist_sgd.py',
]

# Written by the benchmark's teacher run (tools/analysis/run_benchmark.py
# configs/benchmarks/fashion_mnist.py), or by
# `python tools/train.py configs/fashion_mnist/resnet20_fashion-mnist.py
#  --work-dir work_dirs/fashion_mnist/teacher`.
teacher_ckpt = 'work_dirs/fashion_mnist/teacher/epoch_15.pth'

model = dict(
    data_preprocessor=_base_.data_preprocessor,
    architecture=dict(
        backbone=dict(base_channels=8, in_channels=1),
        head=dict(in_channels=32)),
    teacher=dict(backbone=dict(in_channels=1)),
    teacher_ckpt=teacher_ckpt,
    # 0.1 x the mean squared logit difference per class (10 classes).
    distiller=dict(vertex=dict(loss_weight=0.1 / 10)))
test_cfg = dict()
# A log line every 20 iterations: within a minute of the start even at the
# teacher's float32 pace on 2 CPU cores (up to about 2.3 s an iteration).
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_last=True))
# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(type='mmrazor.SingleTeacherDistillValLoop')
