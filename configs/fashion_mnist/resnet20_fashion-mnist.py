# Teacher of the Fashion-MNIST benchmark: He ResNet-20 (32-64-128), the IRG
# paper's CIFAR teacher, for 1-channel input, trained alone.
_base_ = [
    '../_base_/models/fashion_mnist_resnet20.py',
    '../_base_/datasets/fashion_mnist_bs64.py',
    '../_base_/schedules/fashion_mnist_sgd.py',
    '../_base_/default_runtime.py',
]

model = dict(
    **_base_.teacher_model, data_preprocessor=_base_.data_preprocessor)
val_cfg = dict()
test_cfg = dict()
# A log line every 20 iterations: within a minute of the start even at the
# teacher's float32 pace on 2 CPU cores (up to about 2.3 s an iteration).
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_last=True))
