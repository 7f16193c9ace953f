# The classifiers of the digits demo, as variables that configs reuse: the
# IRG paper's CIFAR teacher (He ResNet-20, widths 32-64-128, from
# cifar_resnet20.py), a much smaller student (ResNet-8, one block per stage,
# widths 8-16-32), and a small mmpretrain VisionTransformer (4 layers of 64
# channels; 4x4 patches of the 16x16 digits give 16 patch tokens and a class
# token) for transformer distillation, as a student or as a teacher.
_base_ = ['./cifar_resnet20.py']

student_model = dict(
    backbone=dict(depth=8, base_channels=8), head=dict(in_channels=32))
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
    # The ResNets' classes and loss, read from the class token.
    head=dict(
        _base_.teacher_model.head,
        type='VisionTransformerClsHead',
        in_channels=64))
# Transformers train with AdamW, not the ResNets' SGD.
vit_optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
