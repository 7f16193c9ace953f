# Copyright (c) irg_mm contributors. All rights reserved.
"""What every IRG loss promises: its formula's value and gradient, a
teacher without gradient, float32 maths under bfloat16 autocast, errors
that name the loss, and its MMRazor registration."""
import re
from functools import partial
from typing import Callable, NamedTuple

import pytest
import torch
from loss_references import (loss_and_grad, reference_edge_loss,
                             reference_transform_loss, reference_vertex_loss)
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS
from torch import Tensor

from irg_mm.models import losses
from irg_mm.models.losses import IRGEdgeLoss, IRGTransformLoss, IRGVertexLoss


class LossSpec(NamedTuple):
    """A loss, its reference, and how to draw its inputs of a shape."""
    loss_type: type
    reference: Callable[..., Tensor]
    draw_S: Callable[[tuple], Tensor]
    draw_T: Callable[[tuple], Tensor]
    # Tolerance of the value (rtol) and of the gradient (rtol, and atol as
    # a share of the largest gradient entry).
    rtol: float
    grad_rtol: float
    grad_atol: float


def _scaled_rand(scale: float, shape: tuple) -> Tensor:
    return torch.rand(shape) * scale


VERTEX = LossSpec(IRGVertexLoss, reference_vertex_loss, torch.randn,
                  torch.randn, 1e-5, 1.3e-6, 1e-5)
EDGE = LossSpec(IRGEdgeLoss, reference_edge_loss, torch.randn, torch.randn,
                1e-4, 1e-3, 1e-4)
# Transformations are squared distances: non-negative.
TRANSFORM = LossSpec(IRGTransformLoss, reference_transform_loss,
                     partial(_scaled_rand, 5.0), torch.rand, 1e-5, 1e-4, 1e-5)
SPECS = {'vertex': VERTEX, 'edge': EDGE, 'transform': TRANSFORM}
NORMALIZED_MODES = [
    dict(normalize='max', grad_through_max=False),
    dict(normalize='max', grad_through_max=True),
    dict(normalize='mean', grad_through_max=False),
    dict(normalize=None, grad_through_max=False)
]
# A detached normaliser is by design not the true gradient, so finite
# differences check the modes whose backward is exact.
EXACT_MODES = [
    dict(normalize='max', grad_through_max=True),
    dict(normalize='mean', grad_through_max=True),
    dict(normalize=None, grad_through_max=False)
]


def _cases(spec_name: str, shapes: list, configs: list) -> list:
    return [
        pytest.param(
            SPECS[spec_name],
            shape_pair,
            cfg,
            id=f'{spec_name}-{shape_pair}-{cfg}') for shape_pair in shapes
        for cfg in configs
    ]


def test_every_irg_loss_has_a_spec():
    covered = {spec.loss_type.__name__ for spec in SPECS.values()}
    assert covered == set(losses.__all__)


@pytest.mark.parametrize(
    'spec, shapes, cfg',
    _cases('vertex', [((2, 10), ) * 2, ((3, 4, 2, 2), ) * 2, ((64, 100), ) * 2,
                      ((256, 7), ) * 2], [dict(loss_weight=0.1)]) +
    _cases('edge', [((2, 3), (2, 5)), ((7, 4, 2, 2), (7, 9)),
                    ((64, 32), (64, 16)), ((256, 8), (256, 8))],
           [dict(cfg, loss_weight=0.5) for cfg in NORMALIZED_MODES]) +
    _cases('transform', [((2, ), ) * 2, ((3, ), ) * 2, ((64, ), ) * 2,
                         ((256, ), ) * 2],
           [dict(cfg, loss_weight=0.3) for cfg in NORMALIZED_MODES]))
def test_value_and_gradient_match_reference(spec, shapes, cfg):
    torch.manual_seed(0)
    preds_S, preds_T = spec.draw_S(shapes[0]), spec.draw_T(shapes[1])
    loss, grad = loss_and_grad(spec.loss_type(**cfg), preds_S, preds_T)
    ref_loss, ref_grad = loss_and_grad(
        partial(spec.reference, **cfg), preds_S.double(), preds_T.double())
    torch.testing.assert_close(loss.double(), ref_loss, rtol=spec.rtol, atol=0)
    torch.testing.assert_close(
        grad.double(),
        ref_grad,
        rtol=spec.grad_rtol,
        atol=spec.grad_atol * ref_grad.abs().max())


@pytest.mark.parametrize(
    'spec, shapes, cfg',
    _cases('vertex', [((4, 5), ) * 2], [dict(loss_weight=2.0)]) +
    _cases('edge', [((4, 3), (4, 6))], EXACT_MODES) +
    _cases('transform', [((6, ), ) * 2], EXACT_MODES))
def test_gradcheck(spec, shapes, cfg):
    torch.manual_seed(0)
    preds_S = spec.draw_S(shapes[0]).double().requires_grad_(True)
    preds_T = spec.draw_T(shapes[1]).double()
    loss = spec.loss_type(**cfg)
    assert torch.autograd.gradcheck(lambda s: loss(s, preds_T), (preds_S, ))


@pytest.mark.parametrize(
    'spec, shape', [(VERTEX, (4, 3)), (EDGE, (4, 3)), (TRANSFORM, (4, ))],
    ids=list(SPECS))
def test_teacher_receives_no_gradient(spec, shape):
    preds_S = spec.draw_S(shape).requires_grad_(True)
    preds_T = spec.draw_T(shape).requires_grad_(True)
    spec.loss_type()(preds_S, preds_T).backward()
    assert preds_T.grad is None
    assert preds_S.grad is not None


# Inputs on which bf16 maths goes astray: edge features with a common
# offset (post-ReLU-like; a bf16 product form loses every digit there) and
# close transformations (normalised in bf16, their difference is noise).
AUTOCAST_INPUTS = {
    'vertex': lambda: (torch.randn(32, 100), torch.randn(32, 100)),
    'edge': lambda: (4 + torch.rand(32, 256), 4 + torch.rand(32, 128)),
    'transform': lambda: (1 + torch.rand(64) / 20, 1 + torch.rand(64) / 20),
}


@pytest.mark.parametrize('name', list(SPECS))
def test_bfloat16_autocast_computes_in_float32(name):
    """The loss of bf16 (or float32) inputs under bf16 autocast is the
    float32 loss of the same values, to float32 precision; the inputs are
    chosen so that bf16 maths would miss that by far."""
    spec = SPECS[name]
    torch.manual_seed(0)
    preds_S, preds_T = (x.bfloat16() for x in AUTOCAST_INPUTS[name]())
    upcast_S, upcast_T = preds_S.float(), preds_T.float()
    loss = spec.loss_type()
    expected = loss(upcast_S, upcast_T)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        from_bf16 = loss(preds_S, preds_T)
        from_float32 = loss(upcast_S, upcast_T)
    assert from_bf16.dtype == from_float32.dtype == torch.float32
    tight = dict(rtol=1e-6, atol=0)
    torch.testing.assert_close(from_bf16, expected, **tight)
    torch.testing.assert_close(from_float32, expected, **tight)
    # The check has teeth: the formula in bf16 misses by 100x the tolerance.
    in_bf16 = spec.reference(preds_S, preds_T, dtype=torch.bfloat16)
    assert abs(in_bf16.double() / expected.double() - 1) > 1e-4
    torch.testing.assert_close(
        expected.double(),
        spec.reference(preds_S, preds_T),
        rtol=spec.rtol,
        atol=0)


# The shape of one instance's input to each loss.
INSTANCE_SHAPES = {'vertex': (3, ), 'edge': (3, ), 'transform': ()}


def _error(name: str, preds_S, preds_T, error: type, message: str):
    """A case of ``test_invalid_inputs_raise``; the message follows the
    loss's name."""
    message = f'{SPECS[name].loss_type.__name__} {message}'
    return pytest.param(
        SPECS[name], preds_S, preds_T, error, message, id=message[:45])


# Every check of check_instance_features, met through the losses as a user
# meets it: the message starts with the loss, gives both shapes and the fix.
@pytest.mark.parametrize('spec, preds_S, preds_T, error, message', [
    _error('vertex', [1.0], torch.rand(1), TypeError,
           'expects tensors, got student list and teacher Tensor'),
    _error(
        'edge', torch.tensor(1.), torch.tensor(1.), ValueError,
        'expects per-instance inputs of shape [B, ...], got student '
        'shape (), teacher shape (); pass the unreduced records, batch '
        'dimension first'),
    _error(
        'transform', torch.rand(4, 2), torch.rand(4, 2), ValueError,
        'expects [B] vectors, got student shape (4, 2), teacher shape '
        '(4, 2); pass one value per instance, e.g. the output of '
        'IRGTransformConnector'),
    *[
        _error(name, *inputs, ValueError, message)
        for name, shape in INSTANCE_SHAPES.items() for inputs, message in [
            ((torch.rand(0, *shape), torch.rand(0, *shape)),
             f'got an empty batch (student shape {(0, *shape)}, teacher '
             f'shape {(0, *shape)}); it needs at least one instance: check '
             'the dataloader and the recorded hook point'),
            ((torch.rand(4, *shape), torch.rand(2, *shape)),
             'needs student and teacher records of the same instances, got '
             f'batch sizes 4 and 2 (student shape {(4, *shape)}, teacher '
             f'shape {(2, *shape)}); feed both networks the same mini-batch'),
        ]
    ],
    _error(
        'vertex', torch.rand(4, 3), torch.rand(4, 5), ValueError,
        'compares features element-wise and needs equal shapes, got '
        'student shape (4, 3), teacher shape (4, 5); add a connector '
        'that maps the student to the teacher shape'),
])
def test_invalid_inputs_raise(spec, preds_S, preds_T, error, message):
    with pytest.raises(error, match='^' + re.escape(message)):
        spec.loss_type()(preds_S, preds_T)


@pytest.mark.parametrize('name', list(SPECS))
def test_registered_in_mmrazor(name):
    """An MMRazor config builds each loss by its type name, with its
    options: the built loss computes what the class does with them."""
    spec = SPECS[name]
    options = dict(loss_weight=2.5)
    if name != 'vertex':
        options.update(normalize='mean')
    # As in an MMRazor config (default_scope='mmrazor'), whatever scope an
    # earlier test left behind.
    with DefaultScope.overwrite_default_scope('mmrazor'):
        loss = MODELS.build(dict(type=spec.loss_type.__name__, **options))
    assert type(loss) is spec.loss_type
    shape = (6, ) if name == 'transform' else (6, 4)
    preds_S, preds_T = spec.draw_S(shape), spec.draw_T(shape)
    value = loss(preds_S, preds_T)
    torch.testing.assert_close(value,
                               spec.loss_type(**options)(preds_S, preds_T))
    # The options reached it: the default loss gives another value.
    assert not torch.allclose(value, spec.loss_type()(preds_S, preds_T))
