# Copyright (c) irg_mm contributors. All rights reserved.
# isort: off
import irg_mm  # noqa: F401  (compat fixes before any MMRazor import)
# isort: on

import pytest
import torch
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmrazor.models.task_modules import RecorderManager
from mmrazor.registry import TASK_UTILS
from torch import nn

from irg_mm.models import IRGGraphRecorder

BATCH = 3


class TinyTokenModel(nn.Module):
    """Embeds a [B, N, 4] sequence into [B, N, 6] tokens, twice."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 6)
        self.block = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(self.block(self.embed(x)))


@pytest.fixture(scope='module')
def classifier() -> nn.Module:
    torch.manual_seed(0)
    model = MMPRETRAIN_MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='HeResNetCIFAR', depth=20, base_channels=4),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=5, in_channels=16)))
    return model.eval()


@pytest.fixture
def images() -> torch.Tensor:
    return torch.rand(BATCH, 3, 16, 16)


def record(recorder: IRGGraphRecorder, model: nn.Module,
           inputs: torch.Tensor) -> IRGGraphRecorder:
    """Initialize ``recorder`` on ``model`` and record one forward."""
    recorder.initialize(model)
    with recorder:
        model(inputs)
    return recorder


@pytest.mark.parametrize('pooling, shapes', [
    ('avg', [(BATCH, 8), (BATCH, 16)]),
    ('flatten', [(BATCH, 8 * 8 * 8), (BATCH, 16 * 4 * 4)]),
    ('none', [(BATCH, 8, 8, 8), (BATCH, 16, 4, 4)]),
])
def test_vertex_shapes_per_pooling(classifier, images, pooling, shapes):
    recorder = record(
        IRGGraphRecorder(['backbone.layer2.0', 'backbone.layer3.2'],
                         pooling=pooling), classifier, images)
    vertices = recorder.get_record_data()
    assert isinstance(vertices, list)
    assert [tuple(v.shape) for v in vertices] == shapes


def test_sources_recorded_in_one_forward(classifier, images):
    sources = ['backbone.layer1.0', 'backbone.layer2.1', 'backbone.layer3.2']
    manager = RecorderManager(
        dict(
            pooled=dict(type='IRGGraph', sources=sources),
            raw=dict(type='IRGGraph', sources=sources, pooling='none')))
    manager.initialize(classifier)
    with manager:
        classifier(images)
    pooled, raw = manager.get_recorder('pooled'), manager.get_recorder('raw')
    assert pooled.sources == tuple(sources)
    for index in range(len(sources)):
        expected = raw.get_record_data(data_idx=index).mean(dim=(2, 3))
        torch.testing.assert_close(
            pooled.get_record_data(data_idx=index), expected)
        assert pooled.get_record_data(data_idx=index) is \
            pooled.get_record_data()[index]


def test_single_string_source(classifier, images):
    recorder = record(
        IRGGraphRecorder('backbone.layer3.2'), classifier, images)
    assert recorder.sources == ('backbone.layer3.2', )
    assert recorder.get_record_data(data_idx=0).shape == (BATCH, 16)


def test_tuple_output_takes_last_element_by_default():
    backbone = MMPRETRAIN_MODELS.build(
        dict(type='ResNet', depth=18, out_indices=(2, 3)))
    model = nn.Sequential()
    model.add_module('backbone', backbone)
    images = torch.rand(2, 3, 32, 32)
    last = record(IRGGraphRecorder('backbone'), model.eval(), images)
    first = record(IRGGraphRecorder('backbone', output_index=0), model, images)
    assert last.get_record_data(data_idx=0).shape == (2, 512)
    assert first.get_record_data(data_idx=0).shape == (2, 256)


@pytest.mark.parametrize('pooling, token_pooling, expected', [
    ('avg', 'mean', lambda t: t.mean(dim=1)),
    ('avg', 'cls', lambda t: t[:, 0]),
    ('flatten', 'mean', lambda t: t.flatten(1)),
    ('none', 'mean', lambda t: t),
])
def test_token_outputs(pooling, token_pooling, expected):
    model = TinyTokenModel()
    tokens = torch.rand(BATCH, 5, 4)
    recorder = record(
        IRGGraphRecorder('embed', pooling, token_pooling), model, tokens)
    torch.testing.assert_close(
        recorder.get_record_data(data_idx=0), expected(model.embed(tokens)))


def test_module_called_twice_uses_record_idx():
    model = TinyTokenModel()
    tokens = torch.rand(BATCH, 5, 4)
    recorder = record(IRGGraphRecorder(['embed', 'block']), model, tokens)
    first_call = model.block(model.embed(tokens))
    torch.testing.assert_close(
        recorder.get_record_data(0, 1), first_call.mean(dim=1))
    torch.testing.assert_close(
        recorder.get_record_data(1, 1),
        model.block(first_call).mean(dim=1))
    with pytest.raises(IndexError, match='"embed" ran fewer than 2'):
        recorder.get_record_data(1)
    assert recorder.get_record_data(1, 1).shape == (BATCH, 6)
    with pytest.raises(IndexError, match='record_idx=2 is out of range'):
        recorder.get_record_data(2)


def test_no_accumulation_across_forwards(classifier):
    recorder = record(
        IRGGraphRecorder('backbone.layer3.2'), classifier,
        torch.rand(BATCH, 3, 16, 16))
    with recorder:
        classifier(torch.rand(2, 3, 16, 16))
    assert len(recorder.data_buffer) == 1
    assert recorder.get_record_data(data_idx=0).shape == (2, 16)
    # Outside the context nothing is recorded; the last records stay.
    classifier(torch.rand(4, 3, 16, 16))
    assert recorder.get_record_data(data_idx=0).shape == (2, 16)


def test_prepare_twice_hooks_once(classifier, images):
    recorder = IRGGraphRecorder('backbone.layer3.2')
    recorder.initialize(classifier)
    record(recorder, classifier, images)
    assert len(recorder.data_buffer) == 1


def test_wrong_source_lists_nearest_names(classifier):
    recorder = IRGGraphRecorder(['backbone.layer3.2', 'backbone.layr3.1'])
    with pytest.raises(ValueError) as error:
        recorder.initialize(classifier)
    message = str(error.value)
    assert "'backbone.layer3.1'" in message
    assert 'backbone.layr3.1' in message
    assert "sources=['backbone.layer3.2', 'backbone.layr3.1']" in message


@pytest.mark.parametrize('kwargs', [
    dict(sources=[]),
    dict(sources=['a', 'a']),
    dict(sources='a', pooling='max'),
    dict(sources='a', token_pooling='first'),
])
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        IRGGraphRecorder(**kwargs)


def test_registry_and_recorder_manager(classifier, images):
    assert isinstance(
        TASK_UTILS.build(dict(type='IRGGraph', sources='backbone')),
        IRGGraphRecorder)
    # RecorderManager appends 'Recorder' to the type, as distillers do.
    manager = RecorderManager(
        dict(graph=dict(type='IRGGraph', sources=['backbone.layer3.2'])))
    manager.initialize(classifier)
    for batch in (BATCH, 2):
        with manager:
            classifier(images[:batch])
        vertices = manager.get_recorder('graph').get_record_data(data_idx=0)
        assert vertices.shape == (batch, 16)


def test_tuple_output_error_names_its_elements_and_output_index():
    from irg_mm.errors import VertexError

    class PatchEmbed(torch.nn.Module):

        def forward(self, x):
            return x.flatten(2).transpose(1, 2), (4, 4)

    model = torch.nn.Sequential(PatchEmbed())
    recorder = IRGGraphRecorder('0')
    recorder.initialize(model)
    with pytest.raises(VertexError) as error, recorder:
        model(torch.rand(2, 3, 4, 4))
    assert error.value.recorder is recorder
    assert "of a tuple of ['a tensor of shape [2, 16, 3]', 'tuple']" in str(
        error.value)
    assert 'output_index' in str(error.value)
    recorder = IRGGraphRecorder('0', output_index=0)
    recorder.initialize(model)
    with recorder:
        model(torch.rand(2, 3, 4, 4))
    assert recorder.get_record_data(data_idx=0).shape == (2, 3)


def test_missing_head_fc_suggests_the_modules_of_the_head():
    model = torch.nn.Module()
    model.head = torch.nn.Module()
    model.head.layers = torch.nn.Sequential()
    model.head.layers.add_module('head', torch.nn.Linear(4, 2))
    recorder = IRGGraphRecorder('head.fc')
    with pytest.raises(ValueError, match=r"'head\.layers\.head'"):
        recorder.initialize(model)
