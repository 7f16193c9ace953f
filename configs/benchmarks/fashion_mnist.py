# The Fashion-MNIST benchmark's grid, for tools/analysis/run_benchmark.py.
# Protocol and results: docs/benchmarks/fashion_mnist.md.
title = ('Fashion-MNIST (10,000 training images): He ResNet-20 (32-64-128) '
         '-> ResNet20-x0.25 (8-16-32)')
work_dir = 'work_dirs/fashion_mnist'
# Small per-run logs (scalars and test metrics) land here, to be committed.
log_dir = 'docs/benchmarks/fashion_mnist'
train_args = ['--amp', '--channels-last']
cfg_options = []
evaluate_test = True
min_teacher_gap = 1.5
seeds = [0, 1, 2, 3, 4]
teacher = dict(
    config='configs/fashion_mnist/resnet20_fashion-mnist.py',
    label='teacher ResNet-20 (32-64-128)',
    seed=0)
baseline = 'student'
# The model zoo (configs/fashion_mnist/README.md and metafile.yml): the
# networks' names in its rows, the metafile's collection and data set. The
# runner writes the rows to model_zoo.md and the entries to metafile.yml.
model_zoo = dict(
    teacher='ResNet-20 (32-64-128)',
    student='ResNet20-x0.25',
    collection='IRG-Fashion-MNIST',
    dataset='Fashion-MNIST')
# Where `run_benchmark.py --table-only --publish` writes the results: marked
# blocks of these files (see irg_mm/grids/publish.py) and the figure.
publish = {
    'docs/benchmarks/fashion_mnist.md': {
        'results.md': 'results'
    },
    'configs/fashion_mnist/README.md': {
        'rows': 'zoo_rows'
    },
    'configs/fashion_mnist/metafile.yml': {
        'models': 'metafile'
    },
    'docs/images/fashion_mnist_results.png': 'results.png',
}
methods = dict(
    student=dict(
        config='configs/fashion_mnist/resnet20-x0.25_fashion-mnist.py',
        label='student alone',
        distill=False),
    kd=dict(
        config='configs/fashion_mnist/kd_resnet20-x0.25_resnet20_'
        'fashion-mnist.py',
        label='KD (KLDivergence, T=4)'),
    rkd=dict(
        config='configs/fashion_mnist/rkd_resnet20-x0.25_resnet20_'
        'fashion-mnist.py',
        label='RKD (distance + angle)'),
    irg=dict(
        config='configs/fashion_mnist/irg_resnet20-x0.25_resnet20_'
        'fashion-mnist.py',
        label='L_IRG (logits + edges)'),
    mtk=dict(
        config='configs/fashion_mnist/mtk_resnet20-x0.25_resnet20_'
        'fashion-mnist.py',
        label='L_MTK (logits + edges + transformations)'),
    irg_kd=dict(
        config='configs/fashion_mnist/irg-kd_resnet20-x0.25_resnet20_'
        'fashion-mnist.py',
        label='IRG graph + KD'),
)
comparisons = [
    ('irg', 'kd'),
    ('mtk', 'kd'),
    ('irg', 'rkd'),
    ('mtk', 'rkd'),
    ('irg_kd', 'kd'),
]
