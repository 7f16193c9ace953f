# Everything a digits distillation config shares but its distiller: teacher
# ResNet-20 (frozen, BN in eval mode) and student ResNet-8 inside MMRazor's
# SingleTeacherDistill, with the teacher's data, schedule and runtime.
_base_ = [
    './models/digits_classifiers.py',
    './datasets/sklearn_digits_bs64.py',
    './schedules/sklearn_digits_sgd.py',
    './default_runtime.py',
]

# Written by `make demo` (or `python tools/train.py
# configs/digits/resnet20_digits.py --work-dir work_dirs/digits_demo/teacher`).
teacher_ckpt = 'work_dirs/digits_demo/teacher/epoch_15.pth'

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=dict(_scope_='mmpretrain', **_base_.student_model),
    teacher=dict(_scope_='mmpretrain', **_base_.teacher_model),
    teacher_ckpt=teacher_ckpt)

# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_last=True))
