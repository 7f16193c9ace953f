# The cosine decay is updated every iteration.
_base_ = ['./cpu_sgd_15e.py']
param_scheduler = [
    _base_.lr_warmup,
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=1,
        convert_to_iter_based=True),
]
