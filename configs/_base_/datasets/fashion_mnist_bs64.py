# Fashion-MNIST (70,000 real 28x28 grey photos of clothes, 10 classes): 5,000
# training images held out as a stratified validation split (seed 0), the
# 10,000 t10k images as the test split; 10,000 of the rest train. Prepare
# with `make fashion-mnist`.
_base_ = ['./in_memory_classification.py']

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

# The 10,000 t10k images, touched only for the final table:
# `tools/test.py CONFIG CKPT`.
test_dataloader = dict(
    batch_size=500,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=_base_.test_pipeline))
# The held-out training images, whole.
val_dataloader = dict(
    test_dataloader,
    dataset=dict(test_dataloader['dataset'], split='val', **held_out))
train_dataloader = dict(
    batch_size=64,
    dataset=dict(
        val_dataloader['dataset'],
        split='train',
        # 1,000 images a class of the other 55,000: a data-poor setting
        # that a 2-core CPU trains in minutes (the full set: None).
        train_size=10000,
        pipeline=train_pipeline))
