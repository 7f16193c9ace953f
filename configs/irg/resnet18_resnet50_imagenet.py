# IRG (L_MTK: logits vertex + one-to-many edges + transformations), ResNet-50
# teacher (mmpretrain, 76.55 top-1) -> ResNet-18 student, mmpretrain's ImageNet
# recipe: 8 GPUs x 32 images, SGD lr 0.1, 100 epochs, x0.1 at 30/60/90.
# Loss weights are explained in docs/configs.md.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py',
]

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor', **_base_.data_preprocessor),
    architecture=dict(
        cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py',
        pretrained=False),
    teacher=dict(
        cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='IRGDistiller',
        # 0.1 x the mean squared logit difference per class (KD-Zoo's
        # weighting; the loss sums over the 1000 classes).
        vertex=dict(loss_weight=0.1 / 1000),
        # The authors' effective weight 0.0025 x B at B = 32 per GPU.
        edges=dict(
            teacher='backbone.layer4.2',
            student=[
                'backbone.layer4.1', 'backbone.layer4.0', 'backbone.layer3.1'
            ],
            mode='one_to_many',
            loss_weight=0.08),
        # First -> last block of each early stage (equal channels and size
        # within a stage); ResNet-34 and ResNet-50 both have 3-4-6-3 blocks.
        transforms=[
            dict(
                student=['backbone.layer1.0', 'backbone.layer1.1'],
                teacher=['backbone.layer1.0', 'backbone.layer1.2'],
                loss_weight=0.08),
            dict(
                student=['backbone.layer2.0', 'backbone.layer2.1'],
                teacher=['backbone.layer2.0', 'backbone.layer2.3'],
                loss_weight=0.08),
            dict(
                student=['backbone.layer3.0', 'backbone.layer3.1'],
                teacher=['backbone.layer3.0', 'backbone.layer3.5'],
                loss_weight=0.08),
        ]))

# Evaluates the student and, as `teacher.accuracy/top1`, the teacher.
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
