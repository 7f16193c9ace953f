# IRG (L_MTK) across architectures: ResNet-50 teacher (mmpretrain, 76.55
# top-1) -> MobileNet-V2 student, with mmpretrain's MobileNet-V2 recipe
# (8 GPUs x 32 images, SGD lr 0.045, 300 epochs, x0.98 per epoch). The two
# networks share no layer shapes, and need none: every edge matrix is B x B,
# and each transformation stays inside one network.
_base_ = ['mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py']

custom_imports = dict(imports=['irg_mm'], allow_failed_imports=False)
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=dict(
        cfg_path='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
        pretrained=False),
    teacher=dict(
        cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='IRGDistiller',
        # As in resnet18_resnet50_imagenet.py: docs/configs.md.
        vertex=dict(loss_weight=0.1 / 1000),
        # One-to-many: the teacher's last block supervises the student's
        # last three feature layers, the final 1x1 conv (1280 channels, what
        # the head pools) and the last two inverted residual blocks.
        edges=dict(
            teacher='backbone.layer4.2',
            student=[
                'backbone.conv2', 'backbone.layer7.0', 'backbone.layer6.2'
            ],
            mode='one_to_many',
            loss_weight=0.08),
        # First -> last block of the stages at 56, 28 and 14 pixels (equal
        # channels within each stage), paired with ResNet-50's stages at the
        # same resolutions.
        transforms=[
            dict(
                student=['backbone.layer2.0', 'backbone.layer2.1'],
                teacher=['backbone.layer1.0', 'backbone.layer1.2'],
                loss_weight=0.08),
            dict(
                student=['backbone.layer3.0', 'backbone.layer3.2'],
                teacher=['backbone.layer2.0', 'backbone.layer2.3'],
                loss_weight=0.08),
            dict(
                student=['backbone.layer4.0', 'backbone.layer4.3'],
                teacher=['backbone.layer3.0', 'backbone.layer3.5'],
                loss_weight=0.08),
        ]))

# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
