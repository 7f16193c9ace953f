# Copyright (c) irg_mm contributors. All rights reserved.
"""Build an IRG graph over this rank's batch or over all ranks' batches.

An IRG loss is a batch statistic: ``B^2`` edges and a batch-max normaliser.
Under DDP each process sees only its own ``B`` instances, so by default
(``'local'``) the graph is per GPU. ``'global'`` gathers the instances of all
ranks first, so that ``W`` processes of ``B`` instances train exactly like
one process of ``W * B``.
"""
from typing import List, Optional, Tuple

import torch
import torch.distributed as dist
from mmengine.logging import print_log
from torch import Tensor

from .pairwise_distance import compute_dtype

GRAPH_SCOPES = ('local', 'global')


def get_world_size() -> int:
    """The number of processes in the default group, 1 outside of one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def gather_batch_sizes(batch_size: int, device: torch.device) -> List[int]:
    """Every rank's batch size, in rank order (the last batch may differ).

    Args:
        batch_size (int): This rank's number of instances.
        device (torch.device): Where the backend communicates (CUDA for
            nccl, CPU for gloo).

    Returns:
        List[int]: One batch size per rank.
    """
    size = torch.tensor([batch_size], dtype=torch.long, device=device)
    sizes = [torch.empty_like(size) for _ in range(get_world_size())]
    dist.all_gather(sizes, size)
    return [int(s) for s in sizes]


class _GatherForGlobalLoss(torch.autograd.Function):
    """All-gather instances of unequal counts; gradient for a DDP loss.

    Backward returns the gradient of this rank's slice times the world size,
    with no communication. Why that is exact: every rank computes the SAME
    global loss ``L`` from the same gathered tensor, so ``dL/dF_r`` (``F_r``
    the instances of rank ``r``) is known on rank ``r`` already. Rank ``r``
    passes ``W * dL/dF_r`` into its parameters, and DDP then averages the
    parameter gradients over the ``W`` ranks:
    ``(1 / W) * sum_r W * dL/dF_r * dF_r/dtheta = dL/dtheta``, the exact
    gradient of the global-batch loss. A summing backward (what
    ``torch.distributed.nn.all_gather`` does) reaches the same
    ``W * dL/dF_r`` by adding ``W`` identical copies, at the price of a
    second collective in every backward. Having none also keeps
    ``no_sync`` gradient accumulation free of collectives.
    """

    @staticmethod
    def forward(ctx, local: Tensor, sizes: List[int]) -> Tensor:
        rank = dist.get_rank()
        ctx.start, ctx.stop = sum(sizes[:rank]), sum(sizes[:rank + 1])
        # all_gather needs equal shapes: pad to the largest batch, cut after.
        padded = local.new_zeros((max(sizes), *local.shape[1:]))
        padded[:len(local)] = local
        chunks = [torch.empty_like(padded) for _ in sizes]
        dist.all_gather(chunks, padded)
        return torch.cat([chunk[:size] for chunk, size in zip(chunks, sizes)])

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> Tuple[Tensor, None]:
        world_size = get_world_size()
        return grad_output[ctx.start:ctx.stop] * world_size, None


def gather_for_global_loss(local: Tensor,
                           sizes: Optional[List[int]] = None) -> Tensor:
    """Concatenate the instances of all ranks, in rank order.

    The result carries gradient to ``local`` for a loss that every rank
    computes identically from the gathered tensors and whose parameter
    gradients DDP then averages (see :class:`_GatherForGlobalLoss`). Ranks
    may hold different numbers of instances (e.g. the last batch without
    ``round_up``), including one. Outside a process group ``local`` is
    returned as it is.

    Args:
        local (Tensor): This rank's instances ``[B_r, ...]``; all ranks must
            call with the same trailing shape and dtype.
        sizes (List[int], optional): Every rank's ``B_r`` if known (from
            :func:`gather_batch_sizes`), which saves a collective. Defaults
            to None.

    Returns:
        Tensor: ``[sum_r B_r, ...]``, rank 0's instances first.

    Examples:
        >>> # On each of 2 ranks, with 3 and 2 instances:
        >>> gather_for_global_loss(torch.rand(3, 8)).shape  # doctest: +SKIP
        torch.Size([5, 8])
    """
    if get_world_size() == 1:
        return local
    if sizes is None:
        sizes = gather_batch_sizes(len(local), local.device)
    return _GatherForGlobalLoss.apply(local.contiguous(), sizes)


class InstanceGather:
    """The instances one IRG loss builds its graph over, logged once.

    Args:
        scope (str): ``'local'``: the instances of this rank (per-GPU graph);
            ``'global'``: the instances of all ranks, gathered in float32
            (float64 for float64 inputs) with gradient for the student and
            without for the teacher. Outside a process group both are the
            same.
        owner (str): The loss's name, used in the log line.

    Examples:
        >>> graph = InstanceGather('global', 'IRGEdgeLoss')
        >>> student, teacher = graph(torch.rand(4, 8), torch.rand(4, 2))
        >>> student.shape  # one process: nothing to gather
        torch.Size([4, 8])
    """

    def __init__(self, scope: str, owner: str) -> None:
        if scope not in GRAPH_SCOPES:
            raise ValueError(f"{owner}: graph_scope must be 'local' or "
                             f"'global', got {scope!r}")
        self.scope = scope
        self.owner = owner
        self._logged = False

    def __call__(self, preds_S: Tensor,
                 preds_T: Tensor) -> Tuple[Tensor, Tensor]:
        """Gather (in ``'global'`` scope) student and teacher instances.

        Args:
            preds_S (Tensor): This rank's student records ``[B, ...]``.
            preds_T (Tensor): This rank's teacher records ``[B, ...]``.

        Returns:
            Tuple[Tensor, Tensor]: The student and (detached) teacher
            records the graph is built over.
        """
        records_dtype = preds_S.dtype
        preds_T = preds_T.detach()
        if self.scope == 'global' and get_world_size() > 1:
            sizes = gather_batch_sizes(len(preds_S), preds_S.device)
            # Upcast before sending: the graph maths runs in float32 anyway,
            # and not every backend gathers bfloat16.
            preds_S = gather_for_global_loss(
                preds_S.to(compute_dtype(preds_S)), sizes)
            preds_T = gather_for_global_loss(
                preds_T.to(compute_dtype(preds_T)), sizes)
        self._log_once(len(preds_S), records_dtype)
        return preds_S, preds_T

    def _log_once(self, num_instances: int, dtype: torch.dtype) -> None:
        """State the graph size actually in use, so it is never silent."""
        if self._logged:
            return
        self._logged = True
        # The records' dtype shows whether autocast reached the hook point;
        # the graph itself is always computed in float32 or wider.
        dtype_name = str(dtype).replace('torch.', '')
        print_log(
            f'{self.owner}: graph over {num_instances} instances '
            f'({self.scope}, world size {get_world_size()}, student records '
            f'in {dtype_name})',
            logger='current')
