# The pair of the IRG paper's CIFAR table, as variables that configs reuse:
# teacher He ResNet-20 with stage widths 32-64-128 (1.08M parameters here,
# 1.06M in the paper) and student ResNet20-x0.5, 16-32-64 (0.27M here, 0.28M
# in the paper): the teacher at half the width. Heads for CIFAR-10.
teacher_model = dict(
    type='ImageClassifier',
    backbone=dict(type='HeResNetCIFAR', depth=20, base_channels=32),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
student_model = dict(
    teacher_model,
    backbone=dict(teacher_model['backbone'], base_channels=16),
    head=dict(teacher_model['head'], in_channels=64))
