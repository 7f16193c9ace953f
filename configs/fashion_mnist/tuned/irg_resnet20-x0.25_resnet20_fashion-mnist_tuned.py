# L_IRG on Fashion-MNIST at the setting the tuned comparison chose on the
# validation split (docs/benchmarks/fashion_mnist.md, "Tuned comparison";
# setting e0.05_v0.1 of six): edges 0.05 (0.3x the authors' 0.16), logits
# vertex 0.1 (10x their 0.01). Its gradient shares: the logits term pulls
# with 3.8x the cross-entropy's gradient norm, each edge term with 0.004x.
_base_ = ['../irg_resnet20-x0.25_resnet20_fashion-mnist.py']

model = dict(
    distiller=dict(edges=dict(loss_weight=0.05), vertex=dict(loss_weight=0.1)))
