# A small VisionTransformer trained alone on the digits: the baseline of the
# ViT student, and the teacher of irg_resnet8-w8_vit-tiny_digits.py.
_base_ = ['./resnet20_digits.py', '../_base_/models/digits_vit.py']

model = dict(
    _delete_=True,
    **_base_.vit_model,
    data_preprocessor=_base_.data_preprocessor)
optim_wrapper = _base_.vit_optim_wrapper
