# IRG's graph terms (edges + transformations) with Hinton's KD in place of the
# logits vertex term, ResNet-34 -> ResNet-18. KD is MMRazor's KLDivergence as
# in its own ResNet-34 -> ResNet-18 config (tau 1, weight 3: 71.81 top-1).
_base_ = ['./resnet18_resnet34_imagenet.py']

model = dict(
    distiller=dict(
        vertex=None,
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kd=dict(type='KLDivergence', tau=1, loss_weight=3)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
