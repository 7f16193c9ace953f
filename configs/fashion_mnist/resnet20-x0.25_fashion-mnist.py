# Student alone on Fashion-MNIST: ResNet20-x0.25 (8-16-32) with the
# teacher's recipe, the baseline every distillation row is compared with.
_base_ = ['./resnet20_fashion-mnist.py']

model = dict(
    _delete_=True,
    **_base_.student_model,
    data_preprocessor=_base_.data_preprocessor)
