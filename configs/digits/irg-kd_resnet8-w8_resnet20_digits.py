# IRG (edges + transformations) mixed with Hinton's KD in one IRGDistiller:
# MMRazor's own KLDivergence is declared beside IRG's compact form.
_base_ = [
    './irg_resnet8-w8_resnet20_digits.py', '../_base_/distill_kd_logits.py'
]

model = dict(distiller=dict(**_base_.kd_logits))
