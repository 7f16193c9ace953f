# IRG (L_MTK) across architectures: ResNet-50 teacher (mmpretrain, 76.55
# top-1) -> MobileNet-V2 student, with mmpretrain's MobileNet-V2 recipe
# (8 GPUs x 32 images, SGD lr 0.045, 300 epochs, x0.98 per epoch). The two
# networks share no layer shapes, and need none: every edge matrix is B x B,
# and each transformation stays inside one network. The teacher, its hook
# points and the loss weights come from the model base, as in
# resnet18_resnet50_imagenet.py; this config adds the student's.
_base_ = [
    # mmpretrain's mobilenet-v2_8xb32_in1k.py but its model, which the
    # distiller's `architecture` builds from that file.
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    'mmpretrain::_base_/schedules/imagenet_bs256_epochstep.py',
    '../_base_/default_runtime.py',
    '../_base_/models/imagenet_resnet50_teacher_irg.py',
]

model = dict(
    data_preprocessor=_base_.data_preprocessor,
    architecture=dict(
        cfg_path='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'),
    distiller=dict(
        # One-to-many: the teacher's last block supervises the student's
        # last three feature layers, the final 1x1 conv (1280 channels, what
        # the head pools) and the last two inverted residual blocks.
        edges=dict(student=[
            'backbone.conv2', 'backbone.layer7.0', 'backbone.layer6.2'
        ]),
        # First -> last block of the stages at 56, 28 and 14 pixels (equal
        # channels within each stage), beside ResNet-50's stages at the same
        # resolutions.
        transforms=[
            dict(
                _base_.model.distiller.transforms[0],
                student=['backbone.layer2.0', 'backbone.layer2.1']),
            dict(
                _base_.model.distiller.transforms[1],
                student=['backbone.layer3.0', 'backbone.layer3.2']),
            dict(
                _base_.model.distiller.transforms[2],
                student=['backbone.layer4.0', 'backbone.layer4.3']),
        ]))

# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
