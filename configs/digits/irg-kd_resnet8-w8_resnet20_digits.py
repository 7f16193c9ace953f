# IRG (edges + transformations) mixed with Hinton's KD in one IRGDistiller:
# MMRazor's own KLDivergence is declared beside IRG's compact form.
_base_ = ['./irg_resnet8-w8_resnet20_digits.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kd=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
