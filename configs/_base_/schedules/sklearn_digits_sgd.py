# The cosine decay is updated once an epoch (the digits demo's measured
# schedule).
_base_ = ['./cpu_sgd_15e.py']
param_scheduler = [
    _base_.lr_warmup,
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1),
]
val_cfg = dict()
test_cfg = dict()
