# Copyright (c) irg_mm contributors. All rights reserved.
"""Wall times of calls, waiting for the device's queued work.

Nothing here knows about IRG: a measured run is any callable.

Examples:
    >>> times = interleaved_times({'noop': lambda: None}, 'cpu', 1, 3)
    >>> sorted(times['noop'])
    ['median', 'min']
"""
import random
import statistics
import time
from typing import Callable, Dict, List

import torch

Run = Callable[[], object]


def synchronize(device: str) -> None:
    """Wait for queued device work, so wall times cover it.

    Args:
        device (str): ``'cpu'`` (nothing to wait for) or a CUDA device.
    """
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def wall_times(run: Run, device: str, repeat: int) -> List[float]:
    """Wall time of each of ``repeat`` calls of ``run``.

    Args:
        run (Callable[[], object]): The measured call.
        device (str): Where ``run`` queues its work.
        repeat (int): Number of calls.

    Returns:
        List[float]: Seconds per call.

    Examples:
        >>> len(wall_times(lambda: None, 'cpu', 2))
        2
    """
    times = []
    for _ in range(repeat):
        synchronize(device)
        start = time.perf_counter()
        run()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def interleaved_times(runs: Dict[str, Run], device: str, warmup: int,
                      repeat: int) -> Dict[str, Dict[str, float]]:
    """Median and fastest wall time of each run, calling them in turn.

    Round-robin calls spread the load of other jobs on a shared machine
    evenly over the runs compared, where timing one after the other would
    bill each run the load of its own minutes. Each round calls them in a
    new order (a seeded shuffle): a run measured slower right after one
    particular other run (CPU, B = 32: whichever kernel followed a
    gradient-accumulating fwd+bwd floor took 0.3-1.5 ms more), and a fixed
    cycle, even rotated, would bill that to the same run in every round.

    Args:
        runs (Dict[str, Callable[[], object]]): The calls compared, by
            name.
        device (str): Where they queue their work.
        warmup (int): Untimed rounds first.
        repeat (int): Timed rounds.

    Returns:
        Dict[str, Dict[str, float]]: ``{name: {'median': s, 'min': s}}``.
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
