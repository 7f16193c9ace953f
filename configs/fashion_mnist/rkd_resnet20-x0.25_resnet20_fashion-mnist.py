# Relational KD (Park et al., 2019) on Fashion-MNIST: MMRazor's
# DistanceWiseRKD and AngleWiseRKD on the pooled features, with the weights
# of MMRazor's own RKD config (rkd_neck_resnet34_resnet18_8xb32_in1k.py).
_base_ = ['../_base_/fashion_mnist_distill.py']

pooled = dict(type='ModuleOutputs', source='neck.gap')
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=dict(feat=pooled),
        teacher_recorders=dict(feat=pooled),
        distill_losses=dict(
            loss_dw=dict(
                type='DistanceWiseRKD', with_l2_norm=True, loss_weight=25),
            loss_aw=dict(
                type='AngleWiseRKD', with_l2_norm=True, loss_weight=50)),
        loss_forward_mappings=dict(
            loss_dw=dict(
                preds_S=dict(from_student=True, recorder='feat'),
                preds_T=dict(from_student=False, recorder='feat')),
            loss_aw=dict(
                preds_S=dict(from_student=True, recorder='feat'),
                preds_T=dict(from_student=False, recorder='feat')))))
