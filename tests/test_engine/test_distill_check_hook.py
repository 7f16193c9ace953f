# Copyright (c) irg_mm contributors. All rights reserved.
"""DistillCheckHook on tiny He ResNets and a stand-in runner: the dry run
before training and the stop at a non-finite loss. The mistakes a user
makes in the shipped configs are in tests/test_reliability."""
import random
from types import SimpleNamespace
from typing import Optional

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import CheckpointHook
from mmengine.runner import get_priority
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS
from tiny_data import cifar_classifier
from torch import nn

from irg_mm.engine import DistillCheckHook
from irg_mm.errors import DistillConfigError

SIDE = 16


def distill(distiller: dict) -> nn.Module:
    """A ResNet8-w4 student and a ResNet8-w8 teacher (stage widths 8, 16,
    32)."""
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            _scope_='mmrazor',
            type='SingleTeacherDistill',
            architecture=cifar_classifier(8, 4),
            teacher=cifar_classifier(8, 8),
            distiller=distiller))


def written_out(vertex_teacher: str = 'head.fc',
                connector: Optional[dict] = None) -> dict:
    """A ConfigurableDistiller with a vertex loss on the logits and a
    transformation loss through a connector of each side."""
    layers = dict(
        type='IRGGraph',
        sources=['backbone.layer1.0', 'backbone.layer2.0'],
        pooling='none')
    logits = dict(type='ModuleOutputs', source='head.fc')
    return dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=logits, layers=layers),
        teacher_recorders=dict(
            vertex=dict(type='ModuleOutputs', source=vertex_teacher),
            layers=layers),
        connectors=dict(
            to_s=dict(type='IRGTransformConnector', **(connector or {})),
            to_t=dict(type='IRGTransformConnector')),
        distill_losses=dict(
            loss_vertex=dict(type='IRGVertexLoss'),
            loss_transform=dict(type='IRGTransformLoss')),
        loss_forward_mappings=dict(
            loss_vertex=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='vertex')),
            loss_transform=dict(
                preds_S=dict(
                    from_student=True, recorder='layers', connector='to_s'),
                preds_T=dict(
                    from_student=False, recorder='layers', connector='to_t'))))


def runner(model: nn.Module, work_dir: str, num_samples: int = 4):
    """What the hook reads of a Runner: the model, the train dataloader's
    dataset and collate_fn, the work dir and the iteration."""
    generator = torch.Generator().manual_seed(0)
    samples = [
        dict(
            inputs=torch.rand(3, SIDE, SIDE, generator=generator) * 255,
            data_samples=DataSample().set_gt_label(index % 10))
        for index in range(num_samples)
    ]
    loader = SimpleNamespace(dataset=samples, collate_fn=pseudo_collate)
    return SimpleNamespace(
        model=model, train_dataloader=loader, work_dir=work_dir, iter=4)


def random_states() -> tuple:
    return (torch.get_rng_state(), random.getstate(),
            np.random.get_state()[1].copy())


def test_dry_run_of_a_good_distiller_leaves_the_run_as_it_was(tmp_path):
    model = distill(written_out())
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    states = random_states()
    DistillCheckHook().before_train(runner(model, str(tmp_path)))
    # BatchNorm statistics, the random streams and the mode are kept, and
    # no gradient was taken.
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name
    after = random_states()
    assert torch.equal(after[0], states[0]) and after[1] == states[1]
    np.testing.assert_array_equal(after[2], states[2])
    assert model.training and not model.distillation_stopped
    assert all(param.grad is None for param in model.parameters())


@pytest.mark.parametrize('num_instances', [1, 3, 9])
def test_loss_that_cannot_take_its_records_names_its_key(
        tmp_path, num_instances):
    # Logits [B, 10] against the teacher's last stage [B, 32, 4, 4]; the
    # dry run feeds min(num_instances, 4 samples) instances.
    model = distill(written_out(vertex_teacher='backbone.layer3'))
    batch = min(num_instances, 4)
    with pytest.raises(
            DistillConfigError,
            match=r'^model\.distiller\.distill_losses\.loss_vertex: '
            r'loss_vertex cannot take the records of its hook points '
            r'\(preds_S <- student head\.fc; preds_T <- teacher '
            r'backbone\.layer3\): .*student shape '
            rf'\({batch}, 10\), teacher shape \({batch}, 32, 4, 4\)'):
        DistillCheckHook(num_instances).before_train(
            runner(model, str(tmp_path)))


def test_connector_that_cannot_align_its_pair_names_its_key(tmp_path):
    # Stage widths 4 and 8 with no channel alignment.
    model = distill(written_out(connector=dict(channel_align=None)))
    with pytest.raises(
            DistillConfigError,
            match=r"^model\.distiller\.connectors\.to_s: connector 'to_s' on "
            r'student backbone\.layer1\.0 -> backbone\.layer2\.0: .*'
            r"channel_align"):
        DistillCheckHook().before_train(runner(model, str(tmp_path)))


def test_other_models_are_left_alone(tmp_path):
    # No dataloader to read: a dry run would fail on it.
    stand_in = runner(nn.Linear(2, 2), str(tmp_path))
    stand_in.train_dataloader = None
    hook = DistillCheckHook()
    hook.before_train(stand_in)
    hook.after_train_iter(stand_in, 0, outputs=dict(loss=torch.tensor(1.)))


@pytest.mark.parametrize(
    'outputs',
    [None, {},
     dict(loss=torch.tensor(2.), acc=torch.tensor([1., 0.5]), n=3)])
def test_finite_iterations_pass(outputs, tmp_path):
    hook = DistillCheckHook()
    hook.after_train_iter(
        runner(nn.Linear(2, 2), str(tmp_path)), 0, outputs=outputs)


def test_non_finite_loss_stops_naming_the_loss_and_its_hook_points(tmp_path):
    model = distill(written_out())
    outputs = {
        'student.loss': torch.tensor(2.3),
        'distill.loss_vertex': torch.tensor(float('nan')),
        'distill.loss_transform': torch.tensor(0.5),
    }
    with pytest.raises(FloatingPointError) as error:
        DistillCheckHook().after_train_iter(
            runner(model, str(tmp_path)), 4, outputs=outputs)
    message = str(error.value)
    assert message.startswith(
        'Non-finite loss at iteration 5: distill.loss_vertex=nan. '
        'distill.loss_vertex is model.distiller.distill_losses.loss_vertex '
        'on preds_S <- student head.fc; preds_T <- teacher head.fc.')
    assert 'loss_transform' not in message and 'student.loss' not in message
    assert 'no checkpoint was saved yet' in message
    assert 'optim_wrapper.clip_grad' in message


def test_generated_loss_is_named_by_its_compact_key(tmp_path):
    model = distill(
        dict(
            type='IRGDistiller',
            edges=dict(
                student='backbone.layer3.0', teacher='backbone.layer3.0')))
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    loss_name, = model.distiller.distill_losses
    with pytest.raises(
            FloatingPointError,
            match=rf'distill\.{loss_name}=inf\. distill\.{loss_name} is '
            r'model\.distiller\.edges on preds_S <- student '
            r'backbone\.layer3\.0; preds_T <- teacher backbone\.layer3\.0\..*'
            rf'the last checkpoint is {tmp_path}/iter_4\.pth'):
        DistillCheckHook().after_train_iter(
            runner(model, str(tmp_path)),
            4,
            outputs={f'distill.{loss_name}': torch.tensor(float('inf'))})


def test_stops_before_the_checkpoint_hook_saves():
    assert get_priority(DistillCheckHook.priority) < get_priority(
        CheckpointHook.priority)


def test_num_instances_must_be_positive():
    with pytest.raises(ValueError, match='num_instances must be at least 1'):
        DistillCheckHook(num_instances=0)
