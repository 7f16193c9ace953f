# IRG (L_MTK) across architectures: ResNet-50 teacher (mmpretrain, 76.55
# top-1) -> MobileNet-V2 student, with mmpretrain's MobileNet-V2 recipe
# (8 GPUs x 32 images, SGD lr 0.045, 300 epochs, x0.98 per epoch). The two
# networks share no layer shapes, and need none: every edge matrix is B x B,
# and each transformation stays inside one network.
_base_ = [
    'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
    '../_base_/models/imagenet_resnet50_teacher_irg.py',
]

custom_imports = dict(imports=['irg_mm'], allow_failed_imports=False)

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=dict(
        cfg_path='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
        pretrained=False),
    teacher=_base_.resnet50_teacher,
    teacher_ckpt=_base_.resnet50_teacher_ckpt,
    distiller=dict(
        type='IRGDistiller',
        vertex=dict(loss_weight=_base_.imagenet_vertex_weight),
        # One-to-many: the teacher's last block supervises the student's
        # last three feature layers, the final 1x1 conv (1280 channels, what
        # the head pools) and the last two inverted residual blocks.
        edges=dict(
            teacher=_base_.resnet50_edge_teacher,
            student=[
                'backbone.conv2', 'backbone.layer7.0', 'backbone.layer6.2'
            ],
            mode='one_to_many',
            loss_weight=_base_.imagenet_graph_weight),
        # First -> last block of the stages at 56, 28 and 14 pixels (equal
        # channels within each stage), paired with ResNet-50's stages at the
        # same resolutions.
        transforms=[
            dict(
                student=student,
                teacher=teacher,
                loss_weight=_base_.imagenet_graph_weight)
            for student, teacher in zip([
                ['backbone.layer2.0', 'backbone.layer2.1'],
                ['backbone.layer3.0', 'backbone.layer3.2'],
                ['backbone.layer4.0', 'backbone.layer4.3'],
            ], _base_.resnet50_transform_teachers)
        ]))

# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
