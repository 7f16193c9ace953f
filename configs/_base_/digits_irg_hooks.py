# IRG hook points of the digits pair: teacher ResNet-20 (3 blocks a stage),
# student ResNet-8 (1 block a stage). Edges: the teacher's last block
# supervises the student's last three blocks (the paper's one-to-many mode).
# Transformations: the change across each of the two early stage boundaries.
irg_edges = dict(
    teacher='backbone.layer3.2',
    student=['backbone.layer3.0', 'backbone.layer2.0', 'backbone.layer1.0'],
    mode='one_to_many')
irg_transforms = [
    dict(
        student=['backbone.layer1.0', 'backbone.layer2.0'],
        teacher=['backbone.layer1.2', 'backbone.layer2.2']),
    dict(
        student=['backbone.layer2.0', 'backbone.layer3.0'],
        teacher=['backbone.layer2.2', 'backbone.layer3.2']),
]
