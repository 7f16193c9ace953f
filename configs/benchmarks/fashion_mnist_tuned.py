# The tuned Fashion-MNIST comparison (docs/benchmarks/fashion_mnist.md,
# "Tuned comparison"): every distillation method gets the same budget of six
# settings on tuning seeds 100 and 101, chosen by mean validation top-1; the
# chosen settings then train seeds 0-4, tested once. Same data, networks and
# schedule as the untuned grid (fashion_mnist.py).
_base_ = ['./fashion_mnist.py']

title = ('Fashion-MNIST, tuned (10,000 training images): He ResNet-20 '
         '(32-64-128) -> ResNet20-x0.25 (8-16-32)')
work_dir = 'work_dirs/fashion_mnist_tuned'
log_dir = 'docs/benchmarks/fashion_mnist_tuned'
tuning_seeds = [100, 101]
# Its model-zoo entries: the configs' names with this suffix, each row
# linking the config at the chosen setting in configs/fashion_mnist/tuned.
model_zoo = dict(name_suffix='_tuned', configs='tuned')
# Its own blocks and figures, none of the untuned grid's.
publish = {
    '_delete_': True,
    'docs/benchmarks/fashion_mnist.md': {
        'tuned-results.md': 'results'
    },
    'README.md': {
        'fashion-mnist-tuned-results': 'methods'
    },
    'configs/fashion_mnist/README.md': {
        'tuned-rows': 'zoo_rows'
    },
    'configs/fashion_mnist/metafile.yml': {
        'tuned-models': 'metafile'
    },
    'docs/images/fashion_mnist_tuned_results.png': 'results.png',
    'docs/images/fashion_mnist_tuned_tuning.png': 'tuning.png',
}

KD_LOSS = 'model.distiller.distill_losses.loss_kd'
EDGES = 'model.distiller.edges.loss_weight'
VERTEX = 'model.distiller.vertex.loss_weight'
TRANSFORMS = [f'model.distiller.transforms.{i}.loss_weight' for i in (0, 1)]
# The IRG graph terms of the compact form, for the ablation's options.
GRAPH_TERMS = [
    f'model.distiller.{term}'
    for term in ('edges', 'transforms.0', 'transforms.1')
]


def _set(keys, value):
    return [f'{key}={value}' for key in keys]


# The untuned grid's methods (the student alone as it is) plus a seventh.
methods = dict(
    logits=dict(
        config='configs/fashion_mnist/logits_resnet20-x0.25_resnet20_'
        'fashion-mnist.py',
        label='logits alone (L_IRG vertex term)',
        # 0.3x to 100x today's 0.01.
        sweep=dict(
            default='v0.01',
            x=VERTEX,
            settings={
                f'v{v}': [f'{VERTEX}={v}']
                for v in (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
            })),
    kd=dict(
        label='KD (KLDivergence)',
        # tau x weight, one factor at a time around today's tau 4, weight 1.
        sweep=dict(
            default='t4_w1',
            x=f'{KD_LOSS}.loss_weight',
            series=f'{KD_LOSS}.tau',
            settings={
                f't{t}_w{w}':
                [f'{KD_LOSS}.tau={t}', f'{KD_LOSS}.loss_weight={w}']
                for t, w in ((4, 0.3), (4, 1), (4, 3), (4, 10), (2, 1), (8, 1))
            })),
    rkd=dict(
        label='RKD (distance + angle)',
        # MMRazor's 25 and 50 scaled together, 0.03x to 10x.
        sweep=dict(
            default='x1',
            x='model.distiller.distill_losses.loss_dw.loss_weight',
            settings={
                f'x{m}': [
                    'model.distiller.distill_losses.loss_dw.loss_weight='
                    f'{25 * m:g}',
                    'model.distiller.distill_losses.loss_aw.loss_weight='
                    f'{50 * m:g}'
                ]
                for m in (0.03, 0.1, 0.3, 1, 3, 10)
            })),
    irg=dict(
        label='L_IRG (logits + edges)',
        # Edges 0.3x, 1x, 10x today's 0.16 at vertex 1x and 10x today's 0.01.
        sweep=dict(
            default='e0.16_v0.01',
            x=EDGES,
            series=VERTEX,
            settings={
                f'e{e}_v{v}': [f'{EDGES}={e}', f'{VERTEX}={v}']
                for v in (0.01, 0.1)
                for e in (0.05, 0.16, 1.6)
            })),
    mtk=dict(
        label='L_MTK (logits + edges + transformations)',
        # Transformations 0.1x to 30x today's 0.16, at L_IRG's chosen
        # edge and vertex weights.
        sweep=dict(
            after='irg',
            default='t0.16',
            x=TRANSFORMS[0],
            settings={
                f't{w}': _set(TRANSFORMS, w)
                for w in (0.016, 0.05, 0.16, 0.5, 1.6, 4.8)
            })),
    irg_kd=dict(
        label='IRG graph + KD',
        # Edges and transformations together, 0.1x to 30x today's 0.16, at
        # KD's chosen tau and weight.
        sweep=dict(
            after='kd',
            default='g0.16',
            x=EDGES,
            settings={
                f'g{w}': _set([EDGES, *TRANSFORMS], w)
                for w in (0.016, 0.05, 0.16, 0.5, 1.6, 4.8)
            })),
)
comparisons = [
    ('irg', 'kd'),
    ('mtk', 'kd'),
    ('irg', 'rkd'),
    ('mtk', 'rkd'),
    ('irg', 'logits'),
    ('mtk', 'logits'),
    ('irg_kd', 'kd'),
]
# Which part of IRG carries the gain: variants of L_MTK at its chosen
# setting, seeds 0-2, compared with L_MTK's final runs of the same seeds.
ablation_seeds = [0, 1, 2]
ablations = dict(
    no_vertex=dict(
        of='mtk',
        label='L_MTK without the logits vertex',
        options=['model.distiller.vertex=None']),
    one_to_one=dict(
        of='mtk',
        label='L_MTK, edges of the last block only (one_to_one)',
        options=[
            'model.distiller.edges.mode=one_to_one',
            'model.distiller.edges.student=backbone.layer3.2'
        ]),
    normalize_mean=dict(
        of='mtk',
        label="L_MTK, normalize='mean'",
        options=_set([f'{term}.normalize' for term in GRAPH_TERMS], 'mean')),
    grad_through_max=dict(
        of='mtk',
        label='L_MTK, gradient through the normaliser',
        options=_set([f'{term}.grad_through_max' for term in GRAPH_TERMS],
                     True)),
    transforms_only=dict(
        of='mtk',
        label='transformations alone',
        options=['model.distiller.vertex=None', 'model.distiller.edges=None']),
)
# Gradient shares (GradientShareHook) at each swept method's default and
# chosen setting: one-epoch runs of tuning seed 100, whose first epoch (the
# warm-up) is the tuning run's.
grad_shares = dict(
    seed=100,
    options=[
        'train_cfg.max_epochs=1',
        "param_scheduler=[dict(type='LinearLR', start_factor=0.1, "
        "by_epoch=True, begin=0, end=1, convert_to_iter_based=True)]",
        "custom_hooks=[dict(type='GradientShareHook', interval=10, "
        'epochs=1)]',
    ])
