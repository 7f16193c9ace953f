# Copyright (c) irg_mm contributors. All rights reserved.
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmrazor.registry import MODELS
from tiny_data import cifar_classifier

from irg_mm.models.distillers import IRGDistiller, expand_irg

EDGES = dict(
    teacher='backbone.layer3.2',
    student=['backbone.layer3.0', 'backbone.layer2.0'],
    loss_weight=0.5,
    normalize='mean')
TRANSFORM = dict(
    student=['backbone.layer1.0', 'backbone.layer2.0'],
    teacher=['backbone.layer1.2', 'backbone.layer2.2'],
    loss_weight=2.0)
# Hinton's KD on the logits, as the configs write it.
KD = Config.fromfile(
    osp.join(REPO_ROOT, 'configs/_base_/distill_kd_logits.py')).kd_logits


def test_one_to_many_edges_pair_every_student_layer_with_the_teacher():
    expanded = expand_irg(edges=EDGES)
    assert expanded['teacher_recorders']['irg_edges']['sources'] == [
        'backbone.layer3.2'
    ]
    mappings = expanded['loss_forward_mappings']
    assert sorted(mappings) == ['loss_irg_edge0', 'loss_irg_edge1']
    assert mappings['loss_irg_edge1']['preds_S']['data_idx'] == 1
    assert mappings['loss_irg_edge1']['preds_T']['data_idx'] == 0
    assert expanded['distill_losses']['loss_irg_edge0'] == dict(
        type='IRGEdgeLoss', loss_weight=0.5, normalize='mean')


def test_one_to_one_edges_pair_in_order():
    edges = dict(
        EDGES,
        teacher=['backbone.layer3.2', 'backbone.layer2.2'],
        mode='one_to_one')
    mappings = expand_irg(edges=edges)['loss_forward_mappings']
    assert mappings['loss_irg_edge1']['preds_T']['data_idx'] == 1


def test_transform_gets_recorders_connectors_and_a_loss():
    transform = dict(
        TRANSFORM,
        student_connector=dict(channel_align='proj', in_channels=(8, 16)))
    expanded = expand_irg(transforms=[transform])
    assert expanded['student_recorders']['irg_transform0'] == dict(
        type='IRGGraph', sources=TRANSFORM['student'], pooling='avg')
    assert expanded['connectors']['irg_transform0_s'] == dict(
        type='IRGTransformConnector',
        channel_align='proj',
        in_channels=(8, 16))
    assert expanded['connectors']['irg_transform0_t'] == dict(
        type='IRGTransformConnector')
    mapping = expanded['loss_forward_mappings']['loss_irg_transform0']
    assert mapping['preds_S']['connector'] == 'irg_transform0_s'
    assert mapping['preds_T']['connector'] == 'irg_transform0_t'


def test_maps_are_recorded_whole_only_for_a_connector_that_needs_them():
    transform = dict(TRANSFORM, teacher_connector=dict(pooling='none'))
    expanded = expand_irg(transforms=[transform])
    assert expanded['student_recorders']['irg_transform0']['pooling'] == 'avg'
    assert expanded['teacher_recorders']['irg_transform0']['pooling'] == (
        'none')


def test_pooled_records_give_the_same_transformation_as_whole_maps():
    student, teacher = cifar_classifier(8, 8), cifar_classifier(20, 16)
    images = torch.rand(4, 3, 16, 16)
    losses = []
    for pooling in ('avg', 'none'):
        distiller = MODELS.build(
            dict(
                type='IRGDistiller',
                transforms=[
                    dict(
                        TRANSFORM,
                        student_connector=dict(pooling='avg'),
                        teacher_connector=dict(pooling='avg'))
                ]))
        for recorders in (distiller.student_recorders.recorders,
                          distiller.teacher_recorders.recorders):
            recorders['irg_transform0'].pooling = pooling
        distiller.prepare_from_student(student)
        distiller.prepare_from_teacher(teacher)
        with distiller.teacher_recorders, distiller.student_recorders:
            teacher(images, mode='tensor')
            student(images, mode='tensor')
        losses.append(
            distiller.compute_distill_losses()['loss_irg_transform0'])
    torch.testing.assert_close(losses[0], losses[1])


def test_other_losses_are_kept_beside_irg():
    expanded = expand_irg(vertex=dict(loss_weight=0.1), **KD)
    assert set(expanded['distill_losses']) == {'loss_kd', 'loss_irg_vertex'}
    assert set(expanded['student_recorders']) == {'logits', 'irg_vertex'}


@pytest.mark.parametrize('kwargs, message', [
    (dict(edges=dict(EDGES, mode='all')), "edges.mode: 'all' is not one of"),
    (dict(edges=dict(EDGES, teacher=['a', 'b'])), "mode='one_to_one'"),
    (dict(edges=dict(EDGES, teacher=['a'], mode='one_to_one')),
     'need the same length'),
    (dict(transforms=[dict(TRANSFORM, student=['backbone.layer1.0'])]),
     r'transforms\[0\]\.student needs 2 hook points'),
    (dict(
        vertex=dict(),
        distill_losses=dict(loss_irg_vertex=dict()),
        loss_forward_mappings=None), 'defined twice'),
    (dict(recorders=dict()), 'recorders: unknown argument of IRGDistiller'),
])
def test_bad_compact_forms_name_the_fix(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        expand_irg(**kwargs)


def test_built_distiller_computes_every_term():
    distiller = MODELS.build(
        dict(
            type='IRGDistiller',
            vertex=dict(loss_weight=0.1),
            edges=EDGES,
            transforms=[TRANSFORM],
            **KD))
    assert isinstance(distiller, IRGDistiller)
    student, teacher = cifar_classifier(8, 8), cifar_classifier(20, 16)
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    images = torch.rand(4, 3, 16, 16)
    with distiller.teacher_recorders, torch.no_grad():
        teacher(images, mode='tensor')
    with distiller.student_recorders:
        student(images, mode='tensor')
    losses = distiller.compute_distill_losses()
    assert set(losses) == {
        'loss_kd', 'loss_irg_vertex', 'loss_irg_edge0', 'loss_irg_edge1',
        'loss_irg_transform0'
    }
    sum(losses.values()).backward()
    assert student.backbone.conv1.weight.grad is not None
    assert all(p.grad is None for p in teacher.parameters())
