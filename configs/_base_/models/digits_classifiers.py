# The classifiers of the digits demo, as variables that configs reuse: the
# IRG paper's CIFAR teacher (He ResNet-20, widths 32-64-128, from
# cifar_resnet20.py) and a much smaller student (ResNet-8, one block per
# stage, widths 8-16-32). The transformer of the ViT configs is in
# digits_vit.py.
_base_ = ['./cifar_resnet20.py']

student_model = dict(
    backbone=dict(depth=8, base_channels=8), head=dict(in_channels=32))
