# The digits demo's grid (`make demo`), for tools/analysis/run_benchmark.py:
# scikit-learn's 1,797 digits have no test split, so the table reports the
# 540 validation digits. Findings: docs/demo.md.
title = 'Digits: ResNet-20 teacher -> ResNet-8 (8-16-32) student'
work_dir = 'work_dirs/digits_demo'
# The per-run logs behind README's and docs/demo.md's demo table; `make demo`
# writes its own to work_dirs/digits_demo/logs instead (--log-dir).
log_dir = 'docs/demo/logs'
# Where `run_benchmark.py --table-only --publish` writes the results.
publish = {
    'docs/demo.md': {
        'results.md': 'results'
    },
    'README.md': {
        'digits-demo-results': 'methods'
    },
    'docs/images/digits_demo_results.png': 'results.png',
}
train_args = []
cfg_options = []
evaluate_test = False
min_teacher_gap = None
seeds = [0, 1, 2]
teacher = dict(
    config='configs/digits/resnet20_digits.py',
    label='teacher ResNet-20 (32-64-128)',
    seed=0)
baseline = 'baseline'
methods = dict(
    baseline=dict(
        config='configs/digits/resnet8-w8_digits.py',
        label='student alone (no teacher)',
        distill=False),
    kd=dict(
        config='configs/digits/kd_resnet8-w8_resnet20_digits.py',
        label='KD (KLDivergence, T=4)'),
    irg=dict(
        config='configs/digits/irg_resnet8-w8_resnet20_digits.py',
        label='IRG (edges + transformation)'),
    irg_kd=dict(
        config='configs/digits/irg-kd_resnet8-w8_resnet20_digits.py',
        label='IRG + KD'),
    mtk=dict(
        config='configs/digits/mtk_resnet8-w8_resnet20_digits.py',
        label='IRG MTK (logits + edges + transformation)'),
)
comparisons = [('irg', 'kd'), ('irg_kd', 'kd')]
