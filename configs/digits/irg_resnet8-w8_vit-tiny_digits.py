# CNN student, transformer teacher: ResNet-8 learns from the ViT of
# vit-tiny_digits.py (train it first). The teacher's last block supervises
# the student's three blocks; its tokens [B, 17, 64] become one vertex per
# image by their class token (token_pooling='cls').
_base_ = ['../_base_/digits_distill.py', '../_base_/models/digits_vit.py']

# Written by `python tools/train.py configs/digits/vit-tiny_digits.py`.
teacher_ckpt = 'work_dirs/vit-tiny_digits/epoch_15.pth'

model = dict(
    teacher=dict(_delete_=True, _scope_='mmpretrain', **_base_.vit_model),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='IRGDistiller',
        vertex=dict(
            student='head.fc', teacher='head.layers.head', loss_weight=0.1),
        edges=dict(
            teacher='backbone.layers.3',
            student=[
                'backbone.layer3.0', 'backbone.layer2.0', 'backbone.layer1.0'
            ],
            token_pooling='cls',
            loss_weight=5.0)))
