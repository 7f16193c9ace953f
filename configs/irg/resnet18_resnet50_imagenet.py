# IRG (L_MTK: logits vertex + one-to-many edges + transformations), ResNet-50
# teacher (mmpretrain, 76.55 top-1) -> ResNet-18 student, mmpretrain's ImageNet
# recipe: 8 GPUs x 32 images, SGD lr 0.1, 100 epochs, x0.1 at 30/60/90.
# Loss weights are explained in docs/configs.md.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py',
    '../_base_/models/imagenet_resnet50_teacher_irg.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=dict(
        cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py',
        pretrained=False),
    teacher=_base_.resnet50_teacher,
    teacher_ckpt=_base_.resnet50_teacher_ckpt,
    distiller=dict(
        type='IRGDistiller',
        vertex=dict(loss_weight=_base_.imagenet_vertex_weight),
        edges=dict(
            teacher=_base_.resnet50_edge_teacher,
            student=[
                'backbone.layer4.1', 'backbone.layer4.0', 'backbone.layer3.1'
            ],
            mode='one_to_many',
            loss_weight=_base_.imagenet_graph_weight),
        # First -> last block of each early stage (equal channels and size
        # within a stage).
        transforms=[
            dict(
                student=student,
                teacher=teacher,
                loss_weight=_base_.imagenet_graph_weight)
            for student, teacher in zip([
                ['backbone.layer1.0', 'backbone.layer1.1'],
                ['backbone.layer2.0', 'backbone.layer2.1'],
                ['backbone.layer3.0', 'backbone.layer3.1'],
            ], _base_.resnet50_transform_teachers)
        ]))

# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
