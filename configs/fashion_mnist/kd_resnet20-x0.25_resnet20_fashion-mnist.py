# Hinton's KD on Fashion-MNIST: MMRazor's KLDivergence on the logits, T = 4,
# weight 1 beside the cross-entropy (the kd_logits pieces the digits demo
# uses; not tuned).
_base_ = [
    '../_base_/fashion_mnist_distill.py', '../_base_/distill_kd_logits.py'
]

model = dict(
    distiller=dict(
        _delete_=True, type='ConfigurableDistiller', **_base_.kd_logits))
