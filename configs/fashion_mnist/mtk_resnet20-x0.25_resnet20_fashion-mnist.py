# IRG's full objective L_MTK on Fashion-MNIST: logits vertex + one-to-many
# edges + transformations, He ResNet-20 (32-64-128) -> ResNet20-x0.25.
_base_ = ['../_base_/fashion_mnist_distill.py']
