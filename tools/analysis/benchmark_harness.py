# Copyright (c) irg_mm contributors. All rights reserved.
"""The measuring harness of ``benchmark.py``: wall times, peak memory, and
the worker protocol that runs each measurement in its own process.

Nothing here knows about IRG: a measurement is a callable, and a worker is a
function of the parsed command line and some string arguments that returns
a JSON-able dict (see ``benchmark_cases.WORKERS``).

Example:
    >>> times = interleaved_times({'noop': lambda: None}, 'cpu', 1, 3)
    >>> sorted(times['noop'])
    ['median', 'min']
"""
import json
import random
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Sequence

import torch
from torch._C._profiler import _EventType


def synchronize(device: str) -> None:
    """Wait for queued device work, so wall times cover it.

    Args:
        device (str): ``'cpu'`` (nothing to wait for) or a CUDA device.
    """
    if device.startswith('cuda'):
        torch.cuda.synchronize()


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
                               '`with` block has ended')
        return self._added_bytes


def wall_times(run: Callable[[], object], device: str,
               repeat: int) -> List[float]:
    """Wall time of each of ``repeat`` calls of ``run``.

    Args:
        run (Callable): The measured call.
        device (str): Where ``run`` queues its work.
        repeat (int): Number of calls.

    Returns:
        List[float]: Seconds per call.
    """
    times = []
    for _ in range(repeat):
        synchronize(device)
        start = time.perf_counter()
        run()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def interleaved_times(runs: Dict[str, Callable[[], object]], device: str,
                      warmup: int, repeat: int) -> Dict[str, Dict]:
    """Median and fastest wall time of each run, calling them in turn.

    Round-robin calls spread the load of other jobs on a shared machine
    evenly over the runs compared, where timing one after the other would
    bill each run the load of its own minutes. Each round calls them in a
    new order (a seeded shuffle): a run measured slower right after one
    particular other run (CPU, B = 32: whichever kernel followed a
    gradient-accumulating fwd+bwd floor took 0.3-1.5 ms more), and a fixed
    cycle, even rotated, would bill that to the same run in every round.

    Args:
        runs (Dict[str, Callable]): The calls compared, by name.
        device (str): Where they queue their work.
        warmup (int): Untimed rounds first.
        repeat (int): Timed rounds.

    Returns:
        Dict[str, Dict]: ``{name: {'median': s, 'min': s}}``.
    """
    for _ in range(warmup):
        for run in runs.values():
            run()
    names = list(runs)
    times = {name: [] for name in names}
    shuffle = random.Random(0).shuffle
    for _ in range(repeat):
        shuffle(names)
        for name in names:
            times[name] += wall_times(runs[name], device, 1)
    return {
        name: dict(median=statistics.median(values), min=min(values))
        for name, values in times.items()
    }


def run_worker(script: str, options: Sequence[str], worker: str,
               *case) -> Dict:
    """Run one worker of ``script`` in a fresh process; return its result.

    The worker prints its result as one JSON line last (see
    :func:`print_result`).

    Args:
        script (str): The benchmark script, which runs a worker when given
            ``--worker NAME CASE...``.
        options (Sequence[str]): Command-line options the worker needs.
        worker (str): The worker's name.
        *case: The worker's arguments (passed as strings).

    Returns:
        Dict: What the worker measured.

    Raises:
        RuntimeError: If the worker fails; the message holds its stderr.
    """
    cmd = [sys.executable, script, *options, '--worker', worker]
    out = subprocess.run(
        cmd + [str(item) for item in case], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f'benchmark worker {worker} {case} failed:\n'
                           f'{out.stderr}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_result(result: Dict) -> None:
    """Hand a worker's result back to :func:`run_worker`.

    Args:
        result (Dict): What the worker measured (JSON-able).
    """
    print(json.dumps(result))
