# The two classifiers of the digits demo, as variables that configs reuse:
# the IRG paper's CIFAR teacher (He ResNet-20, widths 32-64-128) and a much
# smaller student (ResNet-8, one block per stage, widths 8-16-32).
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
    type='ImageClassifier',
    backbone=dict(type='HeResNetCIFAR', depth=8, base_channels=8),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
