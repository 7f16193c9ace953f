# IRG's graph terms (edges + transformations) with Hinton's KD (MMRazor's
# KLDivergence, T = 4) in place of the logits vertex term.
_base_ = [
    '../_base_/fashion_mnist_distill.py', '../_base_/distill_kd_logits.py'
]

model = dict(distiller=dict(vertex=None, **_base_.kd_logits))
