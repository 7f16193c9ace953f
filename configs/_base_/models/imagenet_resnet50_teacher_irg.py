# The ResNet-50 teacher of the ImageNet IRG configs (mmpretrain, 76.55
# top-1) in MMRazor's SingleTeacherDistill, with the teacher's side of every
# IRG term. A config adds the student (`architecture.cfg_path`), the data's
# `data_preprocessor`, the student's `edges.student` and one `student` pair
# for each entry of `transforms`. Loss weights are explained in
# docs/configs.md: 0.1 x the mean squared logit difference per class for the
# logits (the loss sums over 1000 classes), and the authors' effective
# 0.0025 x B at B = 32 per GPU for each graph term.
resnet50_teacher = dict(
    cfg_path='mmpretrain::resnet/resnet50_8xb32_in1k.py', pretrained=False)
resnet50_teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth'  # noqa: E501
imagenet_vertex_weight = 0.1 / 1000
imagenet_graph_weight = 0.08
# The teacher's last block supervises the student's last three (edges).
resnet50_edge_teacher = 'backbone.layer4.2'
# First -> last block of the three early stages (56, 28, 14 pixels);
# ResNet-34 has the same 3-4-6-3 block layout.
resnet50_transform_teachers = [
    ['backbone.layer1.0', 'backbone.layer1.2'],
    ['backbone.layer2.0', 'backbone.layer2.3'],
    ['backbone.layer3.0', 'backbone.layer3.5'],
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor'),
    architecture=dict(pretrained=False),
    teacher=resnet50_teacher,
    teacher_ckpt=resnet50_teacher_ckpt,
    distiller=dict(
        type='IRGDistiller',
        vertex=dict(loss_weight=imagenet_vertex_weight),
        edges=dict(
            teacher=resnet50_edge_teacher,
            mode='one_to_many',
            loss_weight=imagenet_graph_weight),
        transforms=[
            dict(teacher=pair, loss_weight=imagenet_graph_weight)
            for pair in resnet50_transform_teachers
        ]))
