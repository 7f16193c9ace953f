# scikit-learn's 1,797 real handwritten digits (shipped with the package, no
# download), upsampled to 16x16 RGB; fixed stratified 70/30 train/val split.
_base_ = ['./in_memory_classification.py']

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

val_dataloader = dict(
    batch_size=128,
    dataset=dict(
        type=dataset_type,
        split='val',
        image_size=image_size,
        pipeline=_base_.test_pipeline))
train_dataloader = dict(
    batch_size=64,
    dataset=dict(
        val_dataloader['dataset'], split='train', pipeline=train_pipeline))
test_dataloader = val_dataloader
