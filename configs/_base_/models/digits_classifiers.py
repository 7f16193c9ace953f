# The classifiers of the digits demo, as variables that configs reuse: the
# IRG paper's CIFAR teacher (He ResNet-20, widths 32-64-128), a much smaller
# student (ResNet-8, one block per stage, widths 8-16-32), and a small
# mmpretrain VisionTransformer (4 layers of 64 channels; 4x4 patches of the
# 16x16 digits give 16 patch tokens and a class token) for transformer
# distillation, as a student or as a teacher.
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
vit_model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch=dict(
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=128),
        img_size=16,
        patch_size=4,
        drop_rate=0.0),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
# Transformers train with AdamW, not the ResNets' SGD.
vit_optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
