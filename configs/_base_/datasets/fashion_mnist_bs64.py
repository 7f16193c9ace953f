# Fashion-MNIST (70,000 real 28x28 grey photos of clothes, 10 classes): 5,000
# training images held out as a stratified validation split (seed 0), the
# 10,000 t10k images as the test split; 10,000 of the rest train. Prepare with `make fashion-mnist`.
dataset_type = 'HeldOutFashionMNIST'
data_root = 'data/fashion_mnist'
held_out = dict(val_size=5000, split_seed=0)

data_preprocessor = dict(
    num_classes=10,
    # Pixel mean and std of the training images (0.2860, 0.3530 x 255).
    mean=[72.94],
    std=[90.02],
    to_rgb=False)

train_pipeline = [
    dict(type='RandomCrop', crop_size=28, padding=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        # 1,000 images a class of the other 55,000: a data-poor setting
        # that a 2-core CPU trains in minutes (the full set: None).
        train_size=10000,
        pipeline=train_pipeline,
        **held_out),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=500,
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline,
        **held_out),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
# Touched only for the final table: `tools/test.py CONFIG CKPT`.
test_dataloader = dict(
    batch_size=500,
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = val_evaluator
