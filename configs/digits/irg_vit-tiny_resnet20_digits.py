# Transformer student, CNN teacher: the ViT of vit-tiny_digits.py learns from
# the digits ResNet-20 with IRG's three kinds of knowledge. A ViT block gives
# tokens [B, 17, 64]; the recorders average them (token_pooling='mean', or
# 'cls' for the class token) into one vertex per image. Its logits layer is
# head.layers.head, not a CNN's head.fc.
_base_ = ['../_base_/digits_distill.py', '../_base_/models/digits_vit.py']

model = dict(
    architecture=dict(_delete_=True, _scope_='mmpretrain', **_base_.vit_model),
    distiller=dict(
        type='IRGDistiller',
        vertex=dict(
            student='head.layers.head', teacher='head.fc', loss_weight=0.1),
        edges=dict(
            teacher='backbone.layer3.2',
            student=[
                'backbone.layers.3', 'backbone.layers.2', 'backbone.layers.1'
            ],
            token_pooling='mean',
            loss_weight=5.0),
        transforms=[
            dict(
                student=['backbone.layers.0', 'backbone.layers.1'],
                teacher=['backbone.layer1.0', 'backbone.layer1.2'],
                loss_weight=0.5)
        ]))
optim_wrapper = _base_.vit_optim_wrapper
