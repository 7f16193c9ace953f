# IRG's graph terms (edges + transformations) with Hinton's KD in place of the
# logits vertex term, ResNet-34 -> ResNet-18. KD is MMRazor's KLDivergence as
# in its own ResNet-34 -> ResNet-18 config (tau 1, weight 3: 71.81 top-1).
_base_ = ['./resnet18_resnet34_imagenet.py', '../_base_/distill_kd_logits.py']

model = dict(
    distiller=dict(
        vertex=None,
        student_recorders=_base_.kd_logits.student_recorders,
        teacher_recorders=_base_.kd_logits.teacher_recorders,
        distill_losses=dict(
            loss_kd=dict(type='KLDivergence', tau=1, loss_weight=3)),
        loss_forward_mappings=_base_.kd_logits.loss_forward_mappings))
