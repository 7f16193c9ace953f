# Hinton's KD on the logits (MMRazor's KLDivergence, T = 4) as the pieces of a
# ConfigurableDistiller, for configs to unpack: dict(**_base_.kd_logits).
kd_logits = dict(
    student_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc')),
    teacher_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc')),
    distill_losses=dict(
        loss_kd=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_kd=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'))))
