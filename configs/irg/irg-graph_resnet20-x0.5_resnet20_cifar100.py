# The L_IRG column of the paper's CIFAR table: logits vertex + one-to-many
# edges, without the transformation term of L_MTK.
_base_ = ['./resnet20-x0.5_resnet20_cifar100.py']

model = dict(distiller=dict(transforms=None))
