# Copyright (c) irg_mm contributors. All rights reserved.
from irg_mm.cost_benchmark import Settings
from irg_mm.cost_benchmark.kernels import KERNELS
from irg_mm.cost_benchmark.steps import STEPS


def test_settings_reach_a_worker_unchanged_through_json():
    # What the command line sets (lists from argparse) is what a worker
    # process reads.
    settings = Settings(
        device='cuda:1',
        batch_sizes=[4, 8],
        dims=[16],
        repeat=3,
        skip_naive_above=7,
        kernels=['irg'],
        step_batch=2,
        step_image_size=32,
        step_warmup=0,
        step_repeat=1,
        step_precision='bf16_cl',
        steps=['kd', 'irg'],
        layout_repeat=4)
    copy = Settings.from_json(settings.to_json())
    assert copy == Settings('cuda:1', (4, 8), (16, ), 3, 7, ('irg', ), 2, 32,
                            0, 1, 'bf16_cl', ('kd', 'irg'), 4)


def test_settings_default_to_every_kernel_and_step():
    assert Settings().kernels == tuple(KERNELS)
    assert Settings().steps == tuple(STEPS)
