# scikit-learn's 1,797 real handwritten digits (shipped with the package, no
# download), upsampled to 16x16 RGB; fixed stratified 70/30 train/val split.
dataset_type = 'SklearnDigits'
image_size = 16

data_preprocessor = dict(
    num_classes=10,
    # Digits are grey ink on black, scaled to 0..255 in every channel.
    mean=[33.0, 33.0, 33.0],
    std=[70.0, 70.0, 70.0],
    to_rgb=False)

train_pipeline = [
    dict(type='RandomCrop', crop_size=image_size, padding=2),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        split='train',
        image_size=image_size,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        split='val',
        image_size=image_size,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
