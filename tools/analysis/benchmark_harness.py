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


def _status_bytes(field: str) -> int:
    """One memory field of ``/proc/self/status`` (Linux, kB units)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(f'{field}:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f'no {field} in /proc/self/status')


def current_rss_bytes() -> int:
    """Resident set size of this process now (Linux).

    Returns:
        int: Bytes.
    """
    return _status_bytes('VmRSS')


def peak_rss_bytes() -> int:
    """Peak resident set size of this process since the last
    :func:`reset_peak_rss` (Linux).

    Returns:
        int: Bytes.
    """
    return _status_bytes('VmHWM')


def reset_peak_rss() -> None:
    """Set this process's peak RSS to its current RSS (Linux >= 4.0).

    Without it the peak is that of the process's whole life, and even of
    its parent: ``getrusage``'s ``ru_maxrss`` survives ``exec``, so a
    worker started by a large process would start at that process's peak.
    """
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')


def synchronize(device: str) -> None:
    """Wait for queued device work, so wall times cover it.

    Args:
        device (str): ``'cpu'`` (nothing to wait for) or a CUDA device.
    """
    if device.startswith('cuda'):
        torch.cuda.synchronize()


class PeakMemory:
    """Peak memory added above the state at construction.

    On CPU this is the growth of the process's peak RSS, reset at
    construction. Memory that the process freed but kept (allocator caches)
    is reused without growing the RSS, so a measurement is only that of a
    fresh process, which :func:`run_worker` gives each one.

    Args:
        device (str): ``'cpu'`` (peak RSS growth) or a CUDA device
            (``torch.cuda.max_memory_allocated`` growth).

    Examples:
        >>> memory = PeakMemory('cpu')
        >>> block = torch.ones(2**24)  # 64 MiB, every page written
        >>> memory.added_bytes() >= 2**26
        True
    """

    def __init__(self, device: str) -> None:
        self.cuda = device.startswith('cuda')
        synchronize(device)
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
            self.baseline = torch.cuda.memory_allocated()
        else:
            reset_peak_rss()
            self.baseline = current_rss_bytes()

    def added_bytes(self) -> int:
        """Peak bytes above the baseline so far.

        Returns:
            int: Bytes, 0 if the process shrank.
        """
        peak = torch.cuda.max_memory_allocated() if self.cuda else (
            peak_rss_bytes())
        return max(peak - self.baseline, 0)


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
    gradient-accumulating fwd+bwd floor took 0.3-1.5 ms more), and a fixed cycle, even rotated,
    would bill that to the same run in every round.

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
