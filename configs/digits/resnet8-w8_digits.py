# Baseline student of the digits demo, trained alone with the teacher's recipe.
_base_ = ['./resnet20_digits.py']

model = dict(
    _delete_=True,
    **_base_.student_model,
    data_preprocessor=_base_.data_preprocessor)
