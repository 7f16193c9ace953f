# Copyright (c) irg_mm contributors. All rights reserved.
import pytest
import torch

from irg_mm.cost_benchmark.kernels import (KERNEL_BUILDERS,
                                           floor_fwd_bwd_kernel,
                                           irg_products_kernel,
                                           naive_tensor_bytes)


def test_loss_kernels_give_the_same_gradient():
    # IRGEdgeLoss, its maths without checks and the broadcast version are
    # three implementations of one loss.
    torch.manual_seed(0)
    teacher = torch.randn(6, 10, dtype=torch.float64)
    grads = {}
    for impl in ('irg', 'irg_maths', 'naive'):
        student = torch.randn(
            6,
            10,
            dtype=torch.float64,
            generator=torch.Generator().manual_seed(1)).requires_grad_(True)
        KERNEL_BUILDERS[impl](student, teacher)()
        grads[impl] = student.grad
    assert grads['irg'].abs().sum() > 0
    torch.testing.assert_close(grads['irg_maths'], grads['irg'])
    torch.testing.assert_close(grads['naive'], grads['irg'])


def test_floor_kernel_runs_its_backward():
    # d/dS sum(S T^T) = 1 T: every row is the teacher's column sum.
    student = torch.randn(3, 4, requires_grad=True)
    teacher = torch.randn(3, 4)
    floor_fwd_bwd_kernel(student, teacher)()
    torch.testing.assert_close(student.grad, teacher.sum(0).expand(3, 4))


def test_products_kernel_does_the_three_products_of_the_edge_loss():
    student, teacher = torch.randn(5, 7), torch.randn(5, 9)
    with torch.profiler.profile(record_shapes=True) as profile:
        irg_products_kernel(student, teacher)()
    shapes = sorted(
        tuple(tuple(shape) for shape in event.input_shapes)
        for event in profile.events() if event.name == 'aten::mm')
    assert shapes == sorted([((5, 7), (7, 5)), ((5, 9), (9, 5)),
                             ((5, 5), (5, 7))])


def test_work_kernel_shifts_each_gram_input_by_its_first_instance(monkeypatch):
    student, teacher = torch.randn(5, 7), torch.randn(5, 9)
    gram_inputs = []
    mm = torch.Tensor.__matmul__

    def recording(a, b):
        if a.shape[0] == b.shape[1] and a.shape[1] == b.shape[0]:
            gram_inputs.append(a.clone())
        return mm(a, b)

    monkeypatch.setattr(torch.Tensor, '__matmul__', recording)
    KERNEL_BUILDERS['irg_work'](student, teacher)()
    assert len(gram_inputs) == 2
    torch.testing.assert_close(gram_inputs[0], student - student[:1])
    torch.testing.assert_close(gram_inputs[1], teacher - teacher[:1])


@pytest.mark.parametrize('batch_size, dim', [(3, 5), (4, 25088), (7, 2)])
def test_naive_tensor_bytes_is_the_naive_kernels_broadcast(batch_size, dim):
    # The B x B x D difference that naive_kernel's edges() broadcasts.
    x = torch.rand(batch_size, dim)
    broadcast = x[:, None] - x[None]
    nbytes = broadcast.numel() * broadcast.element_size()
    assert naive_tensor_bytes(batch_size, dim) == nbytes
