# Copyright (c) irg_mm contributors. All rights reserved.
"""HeResNetCIFAR: He et al.'s three-stage CIFAR ResNet of depth 6n+2."""
import pytest
import torch
from mmpretrain.models.backbones.resnet import BasicBlock
from tiny_data import cifar_classifier
from torch import nn

from irg_mm.models import HeResNetCIFAR


def _outputs(model: nn.Module, side: int = 32) -> list:
    model.eval()
    with torch.no_grad():
        outputs = model(torch.rand(2, 3, side, side))
    return [tuple(out.shape) for out in outputs]


@pytest.mark.parametrize('width', [4, 16])
def test_stages_halve_the_side_and_double_the_width(width):
    model = HeResNetCIFAR(depth=8, base_channels=width, out_indices=(0, 1, 2))
    assert _outputs(model) == [(2, width, 32, 32), (2, 2 * width, 16, 16),
                               (2, 4 * width, 8, 8)]
    assert model.conv1.out_channels == width
    assert model.conv1.kernel_size == (3, 3) and model.conv1.stride == (1, 1)


@pytest.mark.parametrize('out_indices, shapes', [
    ((2, ), [(2, 16, 4, 4)]),
    ((0, ), [(2, 4, 16, 16)]),
    ((0, 2), [(2, 4, 16, 16), (2, 16, 4, 4)]),
])
def test_out_indices_choose_the_stages_returned(out_indices, shapes):
    model = HeResNetCIFAR(depth=8, base_channels=4, out_indices=out_indices)
    assert _outputs(model, side=16) == shapes


def test_default_returns_the_last_stage_of_resnet20():
    assert _outputs(HeResNetCIFAR()) == [(2, 64, 8, 8)]


@pytest.mark.parametrize('depth, blocks', [(8, 1), (14, 2), (20, 3),
                                           (110, 18)])
def test_depth_gives_6n_plus_2_layers(depth, blocks):
    model = HeResNetCIFAR(depth=depth, base_channels=2)
    stages = [model.layer1, model.layer2, model.layer3]
    assert [len(stage) for stage in stages] == [blocks] * 3
    assert all(
        isinstance(block, BasicBlock) for stage in stages for block in stage)
    assert not hasattr(model, 'layer4')
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    # The stem, two 3x3 per block and two 1x1 shortcuts (stages 2 and 3).
    assert sum(conv.kernel_size == (3, 3) for conv in convs) == depth - 1
    assert sum(conv.kernel_size == (1, 1) for conv in convs) == 2


def test_blocks_are_named_as_hook_points():
    names = dict(HeResNetCIFAR(depth=14, base_channels=2).named_modules())
    assert {'layer1.0', 'layer1.1', 'layer3.1'} <= set(names)
    assert 'layer3.2' not in names


@pytest.mark.parametrize('depth', [7, 9, 21, 116, 0])
def test_other_depths_raise_naming_the_rule(depth):
    with pytest.raises(ValueError, match=f'6n\\+2 .* got {depth}'):
        HeResNetCIFAR(depth=depth)


def test_init_weights_zero_the_last_norm_of_each_block():
    torch.manual_seed(0)
    model = HeResNetCIFAR(depth=8, base_channels=4)
    model.init_weights()
    first_blocks = [model.layer1[0], model.layer2[0], model.layer3[0]]
    for block, width in zip(first_blocks, [4, 8, 16]):
        # Each residual branch starts as zero: the block is its shortcut
        # followed by a ReLU.
        assert torch.equal(block.norm2.weight, torch.zeros(width))
        assert torch.equal(block.norm1.weight, torch.ones(width))
    assert torch.equal(model.norm1.weight, torch.ones(4))
    assert torch.equal(model.norm1.bias, torch.zeros(4))
    # Kaiming-normal (fan_out) convolutions: std sqrt(2 / (9 * C_out)).
    weight = model.layer3[0].conv2.weight
    assert weight.std().item() == pytest.approx((2 / (9 * 16))**0.5, rel=0.15)


def test_built_from_a_config_in_a_classifier():
    # tiny_data builds it as every config does, by its registered name.
    classifier = cifar_classifier(depth=8, width=4)
    assert isinstance(classifier.backbone, HeResNetCIFAR)
    logits = classifier(torch.rand(2, 3, 32, 32), mode='tensor')
    assert logits.shape == (2, 10)
