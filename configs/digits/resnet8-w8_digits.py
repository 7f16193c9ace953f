# Baseline student of the digits demo, trained alone with the teacher's recipe.
_base_ = [
    '../_base_/models/digits_classifiers.py',
    '../_base_/datasets/sklearn_digits_bs64.py',
    '../_base_/schedules/sklearn_digits_sgd.py',
    '../_base_/default_runtime.py',
]

model = dict(
    **_base_.student_model, data_preprocessor=_base_.data_preprocessor)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_last=True))
