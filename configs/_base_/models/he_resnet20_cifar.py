# He et al.'s CIFAR ResNet-20 with the IRG paper's teacher widths 32-64-128.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='HeResNetCIFAR', depth=20, base_channels=32),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
