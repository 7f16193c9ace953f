# What the CIFAR-family IRG configs share but the data set and schedule: the
# paper's teacher He ResNet-20 (frozen, BN in eval mode) and student
# ResNet20-x0.5 in MMRazor's SingleTeacherDistill, IRG's graph and
# transformation terms and the runtime (each config adds the schedule and a
# validation loop over student and teacher). Loss weights are explained in
# docs/configs.md.
_base_ = ['./models/cifar_resnet20.py', './default_runtime.py']

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor'),
    architecture=dict(_scope_='mmpretrain', **_base_.student_model),
    teacher=dict(_scope_='mmpretrain', **_base_.teacher_model),
    distiller=dict(
        type='IRGDistiller',
        # The authors' effective weight 0.0025 x B at their B = 64.
        edges=dict(
            teacher='backbone.layer3.2',
            student=[
                'backbone.layer3.2', 'backbone.layer3.1', 'backbone.layer3.0'
            ],
            mode='one_to_many',
            loss_weight=0.16),
        # First -> last block of the two early stages, same names in both.
        transforms=[
            dict(student=stage, teacher=stage, loss_weight=0.16)
            for stage in (['backbone.layer1.0', 'backbone.layer1.2'],
                          ['backbone.layer2.0', 'backbone.layer2.2'])
        ]))

default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))
