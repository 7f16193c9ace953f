# KD on Fashion-MNIST at the setting the tuned comparison chose on the
# validation split (docs/benchmarks/fashion_mnist.md, "Tuned comparison";
# setting t8_w1 of six): tau 8 instead of 4, weight 1 as before.
_base_ = ['../kd_resnet20-x0.25_resnet20_fashion-mnist.py']

model = dict(distiller=dict(distill_losses=dict(loss_kd=dict(tau=8))))
