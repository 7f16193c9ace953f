# Hinton's KD (MMRazor's KLDivergence on logits, T = 4) on the digits demo.
_base_ = ['../_base_/digits_distill.py', '../_base_/distill_kd_logits.py']

model = dict(distiller=dict(type='ConfigurableDistiller', **_base_.kd_logits))
