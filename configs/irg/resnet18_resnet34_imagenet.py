# IRG (L_MTK), ResNet-34 teacher (mmpretrain, 73.62 top-1) -> ResNet-18: the
# ResNet-50 config with another teacher. ResNet-34 has ResNet-50's block
# layout (3-4-6-3), so every hook point stays valid.
_base_ = ['./resnet18_resnet50_imagenet.py']

teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth'  # noqa: E501

model = dict(
    teacher=dict(cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py'),
    teacher_ckpt=teacher_ckpt)
