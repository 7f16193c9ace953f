# What the small data sets held in memory share (scikit-learn's digits,
# Fashion-MNIST): loaders in the main process, evaluation images packed as
# they are, and top-1 accuracy. A data set's base adds its batch sizes and
# datasets (with `_base_.test_pipeline` for evaluation) and its training
# pipeline.
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
