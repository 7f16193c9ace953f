# L_MTK on Fashion-MNIST at the setting the tuned comparison chose on the
# validation split (docs/benchmarks/fashion_mnist.md, "Tuned comparison"):
# L_IRG's chosen edges 0.05 and logits vertex 0.1, then transformations 0.05
# (setting t0.05 of six; 0.3x the authors' 0.16).
_base_ = ['../mtk_resnet20-x0.25_resnet20_fashion-mnist.py']

model = dict(
    distiller=dict(
        edges=dict(loss_weight=0.05),
        vertex=dict(loss_weight=0.1),
        transforms=[
            dict(transform, loss_weight=0.05)
            for transform in _base_.model.distiller.transforms
        ]))
