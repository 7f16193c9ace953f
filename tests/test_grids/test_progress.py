# Copyright (c) irg_mm contributors. All rights reserved.
"""The grid's progress lines: start and log path, done out of total with
the time left, and a failed run's log tail."""
from irg_mm.grids.progress import GridProgress, log_tail


def _progress(total: int, jobs: int, ticks):
    lines = []
    clock = iter(ticks)
    return GridProgress(
        total, jobs, lines.append, clock=lambda: next(clock)), lines


def test_each_start_names_its_log_and_each_end_estimates_the_rest():
    progress, lines = _progress(4, 2, [0.0, 0.0, 0.0, 100.0, 100.0, 300.0])
    progress.started('a/seed0', 'w/a/seed0/runner.log')
    progress.started('b/seed0', 'w/b/seed0/runner.log')
    progress.finished('a/seed0')  # 100 s
    progress.started('c/seed0', 'w/c/seed0/runner.log')
    progress.finished('b/seed0')  # 300 s
    assert lines == [
        '[1/4] a/seed0 started; log: w/a/seed0/runner.log',
        '[2/4] b/seed0 started; log: w/b/seed0/runner.log',
        # 3 left x 100 s / 2 jobs.
        '[1/4 done] a/seed0 in 100 s; 0:01:40 so far, about 0:02:30 left',
        '[3/4] c/seed0 started; log: w/c/seed0/runner.log',
        # 2 left x mean(100, 300) s / 2 jobs.
        '[2/4 done] b/seed0 in 300 s; 0:05:00 so far, about 0:03:20 left',
    ]


def test_a_failure_prints_the_last_lines_of_its_log(tmp_path):
    log = tmp_path / 'runner.log'
    log.write_text(''.join(f'line {i}\n' for i in range(40)))
    progress, lines = _progress(2, 1, [0.0, 0.0])
    progress.started('kd/seed0', str(log))
    progress.failed('kd/seed0', str(log), kept=False)
    assert lines[1] == (f'kd/seed0 FAILED (the grid stops); the last lines '
                        f'of {log}:')
    assert lines[2:] == [f'    line {i}' for i in range(25, 40)]
    assert progress.total == 1
    assert log_tail(str(tmp_path / 'missing.log')) == []


def test_runs_that_join_late_raise_the_total():
    progress, lines = _progress(1, 1, [0.0, 0.0, 0.0])
    progress.started('a', 'a.log')
    progress.started('b', 'b.log')
    assert lines[-1] == '[2/2] b started; log: b.log'
