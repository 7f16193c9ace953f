# IRG on the digits demo: edges (one-to-many) and transformations (L_IRG +
# L_IRG-t), no logits term. Weights: see docs/method.md.
_base_ = ['../_base_/digits_distill.py', '../_base_/digits_irg_hooks.py']

model = dict(
    distiller=dict(
        type='IRGDistiller',
        edges=dict(**_base_.irg_edges, loss_weight=5.0 / 3),
        transforms=[
            dict(**pair, loss_weight=5.0) for pair in _base_.irg_transforms
        ]))
