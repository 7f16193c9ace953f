# Copyright (c) irg_mm contributors. All rights reserved.
"""Peak tensor memory added inside a block, on CUDA and on the CPU.

Nothing here knows about IRG.
"""
import torch
from torch._C._profiler import _EventType

from .timing import synchronize


def peak_allocated_bytes(profiler: torch.profiler.profile) -> int:
    """The most bytes live at once among the CPU allocations that a
    finished ``profile_memory=True`` profile recorded.

    Memory allocated before the profile started is not counted, nor are
    its frees: the allocator's own running total carries allocations from
    earlier profiles of the same process, so it is not used.

    Args:
        profiler (torch.profiler.profile): A profile that has stopped.

    Returns:
        int: Bytes (0 if nothing was allocated).
    """
    records, events = [], list(
        profiler.profiler.kineto_results.experimental_event_tree())
    while events:
        event = events.pop()
        if event.tag == _EventType.Allocation:
            fields = event.extra_fields
            records.append(
                (event.start_time_ns, fields.ptr, fields.alloc_size))
        events.extend(event.children)
    sizes, live, peak = {}, 0, 0
    for _, ptr, size in sorted(records):
        if size > 0:
            sizes[ptr] = size
            live += size
        elif ptr in sizes:
            live -= sizes.pop(ptr)
        peak = max(peak, live)
    return peak


class PeakMemory:
    """Peak tensor memory added inside a ``with`` block.

    On CUDA the growth of ``torch.cuda.max_memory_allocated``. On the CPU
    the peak of the bytes PyTorch's allocator handed out inside the block,
    from the profiler's allocation records: like the CUDA figure it counts
    tensors, not what the process's ``malloc`` keeps. The peak RSS of one
    training step, measured that way before, varied by 30-100 MiB between
    fresh processes here, more than the 5% target it was judged against.

    Args:
        device (str): ``'cpu'`` or a CUDA device.

    Examples:
        >>> with PeakMemory('cpu') as memory:
        ...     block = torch.ones(2**20)  # 4 MiB
        ...     del block
        ...     block = torch.ones(2**19)  # 2 MiB
        >>> memory.added_bytes()
        4194304
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.cuda = device.startswith('cuda')
        self._added_bytes = None

    def __enter__(self) -> 'PeakMemory':
        synchronize(self.device)
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
            self._baseline = torch.cuda.memory_allocated()
        else:
            self._profiler = torch.profiler.profile(
                activities=[torch.profiler.ProfilerActivity.CPU],
                profile_memory=True)
            self._profiler.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        synchronize(self.device)
        if self.cuda:
            self._added_bytes = max(
                torch.cuda.max_memory_allocated() - self._baseline, 0)
        else:
            self._profiler.__exit__(*exc_info)
            self._added_bytes = peak_allocated_bytes(self._profiler)

    def added_bytes(self) -> int:
        """Peak bytes added inside the block.

        Returns:
            int: Bytes.

        Raises:
            RuntimeError: The block has not ended yet.
        """
        if self._added_bytes is None:
            raise RuntimeError('PeakMemory.added_bytes() is known once its '
                               '`with` block has ended: read it after the '
                               'block')
        return self._added_bytes
