# L_IRG on Fashion-MNIST: logits vertex + one-to-many edges, without the
# transformation terms of L_MTK.
_base_ = ['../_base_/fashion_mnist_distill.py']

model = dict(distiller=dict(transforms=None))
