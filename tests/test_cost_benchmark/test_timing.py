# Copyright (c) irg_mm contributors. All rights reserved.
from irg_mm.cost_benchmark.timing import interleaved_times


def test_interleaved_times_calls_every_run_once_a_round():
    # One warm-up round in order, then timed rounds in changing orders, so
    # that no run always follows the same other run.
    order = []
    runs = {name: (lambda name=name: order.append(name)) for name in 'abc'}
    times = interleaved_times(runs, 'cpu', warmup=1, repeat=6)
    rounds = [''.join(order[i:i + 3]) for i in range(0, len(order), 3)]
    assert rounds[0] == 'abc'
    assert all(sorted(timed) == list('abc') for timed in rounds[1:])
    assert len(set(rounds[1:])) > 1
    assert set(times) == set('abc')
    assert all(set(result) == {'median', 'min'} for result in times.values())
