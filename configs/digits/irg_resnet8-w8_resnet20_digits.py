# IRG on the digits demo: edges (one-to-many) and transformations (L_IRG +
# L_IRG-t), no logits term. Weights come from the sweep in docs/demo.md:
# edge terms help from a weight of about 5 up to 20 and hurt at 50; the
# transformation terms never helped this 1-block-per-stage student and, with
# the authors' constant (detached) maximum and a weight of 5, collapsed it,
# so they get a small weight and a scale-invariant gradient.
_base_ = ['../_base_/digits_distill.py', '../_base_/digits_irg_hooks.py']

model = dict(
    distiller=dict(
        type='IRGDistiller',
        edges=dict(
            **_base_.irg_edges, loss_weight=20.0, grad_through_max=True),
        transforms=[
            dict(**pair, loss_weight=0.5, grad_through_max=True)
            for pair in _base_.irg_transforms
        ]))
