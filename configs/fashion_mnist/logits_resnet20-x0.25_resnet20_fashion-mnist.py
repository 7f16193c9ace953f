# The logits vertex term of L_IRG alone on Fashion-MNIST: the squared error of
# the raw logits (KD-Zoo's "Logits" row), without IRG's edges and
# transformations, so a table shows what IRG's graph adds over matching
# logits.
_base_ = ['../_base_/fashion_mnist_distill.py']

model = dict(distiller=dict(edges=None, transforms=None))
