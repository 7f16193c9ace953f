# IRG (L_MTK: logits vertex + one-to-many edges + transformations), ResNet-50
# teacher (mmpretrain, 76.55 top-1) -> ResNet-18 student, mmpretrain's ImageNet
# recipe: 8 GPUs x 32 images, SGD lr 0.1, 100 epochs, x0.1 at 30/60/90.
# The teacher, its hook points and the loss weights (docs/configs.md) come
# from the model base; this config adds the student and its hook points.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py',
    '../_base_/models/imagenet_resnet50_teacher_irg.py',
]

model = dict(
    data_preprocessor=_base_.data_preprocessor,
    architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
    distiller=dict(
        # ResNet-18's last three blocks (two blocks a stage).
        edges=dict(student=[
            'backbone.layer4.1', 'backbone.layer4.0', 'backbone.layer3.1'
        ]),
        # First -> last block of each early stage (equal channels and size
        # within a stage), stage by stage beside the teacher's.
        transforms=[
            dict(teacher_side, student=[f'{layer}.0', f'{layer}.1'])
            for layer, teacher_side in
            zip(['backbone.layer1', 'backbone.layer2', 'backbone.layer3'],
                _base_.model.distiller.transforms)
        ]))

# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
