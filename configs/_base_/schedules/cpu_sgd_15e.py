# SGD at batch 64 for 15 epochs with one warm-up epoch: short enough for a
# 2-core CPU (the paper's recipe is 200 epochs at batch 64). The schedules
# built on it add their cosine decay after `lr_warmup`.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
lr_warmup = dict(
    type='LinearLR',
    start_factor=0.1,
    by_epoch=True,
    begin=0,
    end=1,
    convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=15, val_interval=5)
auto_scale_lr = dict(base_batch_size=64)
