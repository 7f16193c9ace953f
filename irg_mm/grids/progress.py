# Copyright (c) irg_mm contributors. All rights reserved.
"""Progress lines of a grid: each start with its log, done out of total,
the time spent and an estimate of what is left, a failed log's tail."""
import time
from typing import Callable, List, Optional

TAIL_LINES = 15


def log_tail(path: str, lines: int = TAIL_LINES) -> List[str]:
    """The last ``lines`` lines of a log file (empty when it is missing)."""
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return [line.rstrip('\n') for line in f.readlines()[-lines:]]
    except FileNotFoundError:
        return []


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f'{minutes // 60}:{minutes % 60:02d}:{seconds:02d}'


class GridProgress:
    """Print what a grid does, one line at a time.

    Args:
        total (int): The runs this invocation has to train.
        jobs (int): How many train at once, for the estimate.
        write (Callable[[str], None]): Where lines go. Defaults to ``print``
            with flush.
        clock (Callable[[], float]): Seconds, for tests. Defaults to
            :func:`time.monotonic`.

    Examples:
        >>> ticks = iter([0.0, 0.0, 60.0])
        >>> progress = GridProgress(3, jobs=1, clock=lambda: next(ticks))
        >>> progress.started('kd/seed0', 'work/kd/seed0/runner.log')
        [1/3] kd/seed0 started; log: work/kd/seed0/runner.log
        >>> progress.finished('kd/seed0')
        [1/3 done] kd/seed0 in 60 s; 0:01:00 so far, about 0:02:00 left
    """

    def __init__(self,
                 total: int,
                 jobs: int,
                 write: Optional[Callable[[str], None]] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.jobs = jobs
        self.write = write or (lambda line: print(line, flush=True))
        self.clock = clock
        self.begin = clock()
        self.starts = {}
        self.durations: List[float] = []
        self.launched = 0

    def started(self, name: str, log_path: str) -> None:
        """Say that a run started and where its log is."""
        self.launched += 1
        # Runs that wait for a choice (gradient shares) join the count late.
        self.total = max(self.total, self.launched)
        self.starts[name] = self.clock()
        self.write(f'[{self.launched}/{self.total}] {name} started; '
                   f'log: {log_path}')

    def finished(self, name: str) -> None:
        """Say that a run finished, how long the grid took so far and
        about how long the rest will take."""
        now = self.clock()
        self.durations.append(now - self.starts.pop(name))
        done = len(self.durations)
        left = (self.total - done) * (sum(self.durations) / done) / self.jobs
        self.write(f'[{done}/{self.total} done] {name} in '
                   f'{self.durations[-1]:.0f} s; {_clock(now - self.begin)} '
                   f'so far, about {_clock(left)} left')

    def held_elsewhere(self, name: str) -> None:
        """Say that another runner holds a run, so this one leaves it."""
        self.starts.pop(name, None)
        self.total -= 1
        self.write(f'{name}: another runner holds it; left to that one')

    def failed(self, name: str, log_path: str, kept: bool) -> None:
        """Say that a run failed, with its log's last lines.

        Args:
            name (str): The run.
            log_path (str): Its log.
            kept (bool): Whether the grid goes on (a failed tuning run is
                recorded as such) or stops.
        """
        self.starts.pop(name, None)
        self.total -= 1
        outcome = 'recorded as failed, the grid goes on' if kept else \
            'the grid stops'
        self.write(f'{name} FAILED ({outcome}); the last lines of '
                   f'{log_path}:')
        for line in log_tail(log_path):
            self.write(f'    {line}')
