# Copyright (c) irg_mm contributors. All rights reserved.
# isort: off
import irg_mm  # noqa: F401  (compat fixes before any MMRazor import)
# isort: on

import pytest
import torch
from mmrazor.models import ConfigurableDistiller
from mmrazor.registry import MODELS
from torch import nn

from irg_mm.models import IRGTransformConnector


def reference(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Lambda(i) = sum over the aligned features of (a - b)^2, in float64."""
    return (first.double() - second.double()).pow(2).flatten(1).sum(dim=1)


def block_mean(feature: torch.Tensor, size: int) -> torch.Tensor:
    """Average non-overlapping size x size blocks of a [B, C, H, W] map."""
    b, c, h, w = feature.shape
    return feature.reshape(b, c, h // size, size, w // size,
                           size).mean(dim=(3, 5))


def test_elementwise_value_matches_reference():
    torch.manual_seed(0)
    early, late = torch.randn(4, 8, 6, 6), torch.randn(4, 8, 3, 3)
    output = IRGTransformConnector(pooling='none')([early, late])
    assert output.shape == (4, ) and output.dtype == torch.float32
    expected = reference(block_mean(early.double(), 2), late)
    torch.testing.assert_close(output.double(), expected)


def test_avg_pooling_value_matches_reference():
    torch.manual_seed(0)
    early, late = torch.randn(4, 8, 6, 6), torch.randn(4, 8, 3, 3)
    output = IRGTransformConnector(pooling='avg')([early, late])
    expected = reference(early.mean(dim=(2, 3)), late.mean(dim=(2, 3)))
    torch.testing.assert_close(output.double(), expected)


def test_vectors_pass_through_and_pair_selects():
    torch.manual_seed(0)
    vectors = [torch.randn(5, 7) for _ in range(3)]
    output = IRGTransformConnector(pair=(2, 0))(vectors)
    torch.testing.assert_close(output.double(),
                               reference(vectors[2], vectors[0]))


def test_map_against_vector_pools_the_map():
    feature_map, vector = torch.randn(2, 4, 4, 4), torch.randn(2, 4)
    output = IRGTransformConnector(pooling='none')([feature_map, vector])
    torch.testing.assert_close(output.double(),
                               reference(feature_map.mean(dim=(2, 3)), vector))


def test_token_features_are_averaged():
    tokens, vector = torch.randn(2, 9, 4), torch.randn(2, 4)
    output = IRGTransformConnector()([tokens, vector])
    torch.testing.assert_close(output.double(),
                               reference(tokens.mean(dim=1), vector))
    with pytest.raises(ValueError, match="pooling='avg'"):
        IRGTransformConnector(pooling='none')([tokens, vector])


def test_avg_channel_reduction_exact_values():
    wide = torch.tensor([[1., 3., 5., 9.], [0., 2., -4., 4.]])
    narrow = torch.tensor([[1., 1.], [1., 1.]])
    # Adjacent pairs average to [[2, 7], [1, 0]].
    expected = torch.tensor([1. + 36., 0. + 1.])
    connector = IRGTransformConnector(channel_align='avg')
    torch.testing.assert_close(connector([wide, narrow]), expected)
    torch.testing.assert_close(connector([narrow, wide]), expected)
    # Any dividing ratio on maps: 12 -> 3 averages 4 adjacent channels.
    wide_map = torch.arange(12.).reshape(1, 12, 1, 1).expand(1, 12, 2, 2)
    grouped = IRGTransformConnector(pooling='none')(
        [wide_map, torch.zeros(1, 3, 2, 2)])
    torch.testing.assert_close(grouped,
                               torch.tensor([4 * (1.5**2 + 5.5**2 + 9.5**2)]))


def test_proj_has_parameters_and_trains():
    torch.manual_seed(0)
    connector = IRGTransformConnector(
        pooling='none', channel_align='proj', in_channels=(4, 8))
    assert connector.proj.weight.shape == (4, 8, 1, 1)
    early, late = torch.randn(3, 4, 4, 4), torch.randn(3, 8, 2, 2)
    optimizer = torch.optim.SGD(connector.parameters(), lr=0.01)
    before = connector([early, late]).sum()
    before.backward()
    assert connector.proj.weight.grad.abs().sum() > 0
    optimizer.step()
    assert connector([early, late]).sum() < before


@pytest.mark.parametrize('cfg, shapes', [
    (dict(channel_align='avg'), [(2, 6, 4, 4), (2, 4, 4, 4)]),
    (dict(channel_align=None), [(2, 8), (2, 4)]),
    (dict(channel_align='proj', in_channels=(8, 2)), [(2, 8), (2, 4)]),
])
def test_unalignable_pair_names_both_shapes(cfg, shapes):
    connector = IRGTransformConnector(**cfg)
    with pytest.raises(ValueError) as error:
        connector([torch.randn(*shape) for shape in shapes])
    message = str(error.value)
    assert str(shapes[0]) in message and str(shapes[1]) in message
    assert 'channel_align' in message


@pytest.mark.parametrize('features, error, match', [
    ([torch.randn(2, 4), torch.randn(3, 4)], ValueError, 'batch size'),
    ([torch.randn(2, 4)], IndexError, 'out of range'),
    (torch.randn(2, 4), TypeError, 'list of features'),
])
def test_bad_inputs_raise(features, error, match):
    with pytest.raises(error, match=match):
        IRGTransformConnector()(features)


@pytest.mark.parametrize('kwargs', [
    dict(pair=(1, 1)),
    dict(pooling='max'),
    dict(channel_align='conv'),
    dict(channel_align='proj'),
    dict(channel_align='proj', in_channels=(4, 4)),
])
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        IRGTransformConnector(**kwargs)


def test_registry_build():
    connector = MODELS.build(dict(type='IRGTransformConnector'))
    assert isinstance(connector, IRGTransformConnector)
    assert not list(connector.parameters())


@pytest.mark.parametrize('channel_align', ['avg', 'proj'])
def test_float32_under_autocast(channel_align):
    torch.manual_seed(0)
    connector = IRGTransformConnector(
        pooling='none', channel_align=channel_align, in_channels=(4, 8))
    early, late = torch.randn(2, 4, 4, 4), torch.randn(2, 8, 2, 2)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        output = connector([early.bfloat16(), late.bfloat16()])
    assert output.dtype == torch.float32
    expected = connector([early.bfloat16().float(), late.bfloat16().float()])
    torch.testing.assert_close(output, expected)


class VectorMSE(nn.Module):
    """A stand-in transformation loss with the usual argument names."""

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        return (preds_S - preds_T).pow(2).mean()


def test_in_configurable_distiller():
    MODELS.register_module('IRGTestVectorMSE', module=VectorMSE, force=True)
    student = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 8, 3, stride=2, padding=1))
    teacher = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, stride=2, padding=1))
    graph = dict(type='IRGGraph', sources=['0', '1'], pooling='none')
    distiller = ConfigurableDistiller(
        student_recorders=dict(graph=graph),
        teacher_recorders=dict(graph=graph),
        connectors=dict(
            s_transform=dict(type='IRGTransformConnector', pooling='none'),
            t_transform=dict(type='IRGTransformConnector', pooling='none')),
        distill_losses=dict(loss_transform=dict(type='IRGTestVectorMSE')),
        loss_forward_mappings=dict(
            loss_transform=dict(
                preds_S=dict(
                    recorder='graph',
                    from_student=True,
                    connector='s_transform'),
                preds_T=dict(
                    recorder='graph',
                    from_student=False,
                    connector='t_transform'))))
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    images = torch.rand(2, 3, 8, 8)
    with distiller.student_recorders, distiller.teacher_recorders:
        student(images)
        teacher(images)
    loss = distiller.compute_distill_losses()['loss_transform']
    loss.backward()
    assert loss > 0 and student[0].weight.grad is not None
