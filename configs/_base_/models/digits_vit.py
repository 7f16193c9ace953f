# A small mmpretrain VisionTransformer for the digits demo (4 layers of 64
# channels; 4x4 patches of the 16x16 digits give 16 patch tokens and a class
# token), for transformer distillation as a student or as a teacher, and the
# optimizer it trains with. Only the ViT configs inherit it, beside
# digits_classifiers.py.
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
    # The digits' 10 classes, read from the class token, with the ResNets'
    # loss (the head's default cross-entropy).
    head=dict(type='VisionTransformerClsHead', num_classes=10, in_channels=64))
# Transformers train with AdamW, not the ResNets' SGD.
vit_optim_wrapper = dict(
    _delete_=True, optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
