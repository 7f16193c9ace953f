# Copyright (c) irg_mm contributors. All rights reserved.
"""One measurement per worker, each run in a fresh process.

Times: the kernels of one ``(B, D)``, and the step variants, are built in
one process and called in turn, so the load of other jobs on a shared
machine falls evenly on all of them. Memory: every kernel and every variant
runs again in a fresh process, and its peak is the tensor memory it adds
(:class:`~irg_mm.cost_benchmark.memory.PeakMemory`) above a baseline: for a
kernel the state once its inputs exist and it is warm, for a step the state
once its config is parsed, before the models are built (so a step's peak
includes weights, gradients and optimizer state).

:func:`run_worker` starts a worker as
``python -m irg_mm.cost_benchmark SETTINGS WORKER CASE``, with the
:class:`~irg_mm.cost_benchmark.settings.Settings` and the case (a list of
the worker's arguments) as JSON; the worker prints its result as one JSON
line last. A section measures through :func:`run_worker`, or through any
callable of the same signature (tests call the workers in their own
process).
"""
import json
import subprocess
import sys
from typing import Callable, Dict, Optional, Sequence

from irg_mm.utils.choices import check_choice
from .kernels import make_kernels
from .memory import PeakMemory
from .settings import Settings
from .steps import (LAYOUT_BATCH, LAYOUT_MODELS, LAYOUT_SHAPE, PRECISIONS,
                    TrainStep, make_train_step, model_cfg, random_batch,
                    step_model_cfg)
from .timing import interleaved_times, wall_times

Measure = Callable[..., Dict]
LAYOUT_WARMUP = 2
# The first step creates the SGD state, so a step's peak takes two.
MEMORY_STEPS = 2


def kernel_memory_worker(settings: Settings, impl: str, batch_size: int,
                         dim: int) -> Dict:
    """Peak tensor memory one kernel call adds above its warm inputs.

    Args:
        settings (Settings): The run (its ``device``).
        impl (str): A key of ``KERNELS``.
        batch_size (int): ``B``.
        dim (int): ``D``.

    Returns:
        Dict: ``{'peak_bytes': int}``.
    """
    kernel = make_kernels([impl], batch_size, dim, settings.device)[impl]
    with PeakMemory(settings.device) as memory:
        kernel()
    return dict(peak_bytes=memory.added_bytes())


def kernel_time_worker(settings: Settings, batch_size: int, dim: int, *impls:
                       str) -> Dict:
    """Interleaved wall times of kernels on one ``(B, D)`` case.

    Args:
        settings (Settings): The run (``device``, ``repeat``).
        batch_size (int): ``B``.
        dim (int): ``D``.
        *impls (str): Keys of ``KERNELS``.

    Returns:
        Dict: ``{impl: {'median': s, 'min': s}}``.
    """
    kernels = make_kernels(impls, batch_size, dim, settings.device)
    return interleaved_times(kernels, settings.device, 1, settings.repeat)


def make_step(variant_cfg: dict, settings: Settings) -> TrainStep:
    """A step variant's model and SGD on a random batch of the run's size.

    Args:
        variant_cfg (dict): The variant's model, see
            :func:`~irg_mm.cost_benchmark.steps.step_model_cfg`.
        settings (Settings): The run (batch, image size, precision,
            device).

    Returns:
        TrainStep: Its training step.
    """
    data = random_batch(settings.step_batch, settings.step_image_size)
    return make_train_step(variant_cfg, data, settings.step_precision,
                           settings.device)


def timed_steps(steps: Dict[str, TrainStep], device: str, warmup: int,
                repeat: int) -> Dict:
    """Interleaved wall times of training steps whose losses stay finite.

    Args:
        steps (Dict[str, TrainStep]): The steps compared, by name.
        device (str): Where they run.
        warmup (int): Untimed rounds first.
        repeat (int): Timed rounds.

    Returns:
        Dict: As :func:`~irg_mm.cost_benchmark.timing.interleaved_times`.

    Raises:
        RuntimeError: A step's losses were not finite.
    """
    times = interleaved_times(steps, device, warmup, repeat)
    for name, step in steps.items():
        step.check_finite(name)
    return times


def step_memory_worker(settings: Settings, variant: str) -> Dict:
    """Peak tensor memory of building one variant and training it
    ``MEMORY_STEPS`` steps.

    Args:
        settings (Settings): The run.
        variant (str): A key of ``STEPS``.

    Returns:
        Dict: ``{'peak_bytes': int}``.
    """
    variant_cfg = step_model_cfg(variant)
    with PeakMemory(settings.device) as memory:
        step = make_step(variant_cfg, settings)
        wall_times(step, settings.device, MEMORY_STEPS)
    return dict(peak_bytes=memory.added_bytes())


def step_time_worker(settings: Settings, *variants: str) -> Dict:
    """Interleaved wall times of the training steps of several variants.

    Args:
        settings (Settings): The run.
        *variants (str): Keys of ``STEPS``.

    Returns:
        Dict: ``{variant: {'median': s, 'min': s}}``.
    """
    steps = {
        variant: make_step(step_model_cfg(variant), settings)
        for variant in variants
    }
    return timed_steps(steps, settings.device, settings.step_warmup,
                       settings.step_repeat)


def layout_time_worker(settings: Settings) -> Dict:
    """Interleaved step times of the layout models in every precision.

    Args:
        settings (Settings): The run (``device``, ``layout_repeat``).

    Returns:
        Dict: ``{'MODEL/PRECISION': {'median': s, 'min': s}}``.
    """
    channels, side, _ = LAYOUT_SHAPE
    data = random_batch(LAYOUT_BATCH, side, channels, num_classes=10)
    steps = {}
    for name, config in LAYOUT_MODELS.items():
        layout_cfg = dict(model_cfg(config), _scope_='mmpretrain')
        for precision in PRECISIONS:
            steps[f'{name}/{precision}'] = make_train_step(
                layout_cfg, data, precision, settings.device)
    return timed_steps(steps, settings.device, LAYOUT_WARMUP,
                       settings.layout_repeat)


WORKERS = {
    'kernel_memory': kernel_memory_worker,
    'kernel_time': kernel_time_worker,
    'step_memory': step_memory_worker,
    'step_time': step_time_worker,
    'layout_time': layout_time_worker,
}


def read_process_result(command: Sequence[str], what: str) -> Dict:
    """Run a command; return the JSON of the last line it printed.

    Args:
        command (Sequence[str]): The command line.
        what (str): What it runs, for the error message.

    Returns:
        Dict: The parsed last line of its standard output.

    Raises:
        RuntimeError: The command failed; the message holds its stderr.
    """
    out = subprocess.run(list(command), capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f'{what} failed (exit status {out.returncode}):\n'
                           f'{out.stderr}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_worker(worker: str, settings: Settings, *case) -> Dict:
    """Run one worker in a fresh process; return its result.

    Args:
        worker (str): A key of ``WORKERS``.
        settings (Settings): The run.
        *case: The worker's arguments after ``settings`` (JSON-able).

    Returns:
        Dict: What the worker measured.

    Raises:
        RuntimeError: The worker failed; the message holds its stderr.
    """
    # The package's __main__ calls main() below.
    command = [
        sys.executable, '-m', __package__,
        settings.to_json(), worker,
        json.dumps(case)
    ]
    return read_process_result(
        command, f'cost benchmark worker {worker} '
        f'{list(case)}')


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Run the worker :func:`run_worker` names and print its result.

    Args:
        argv (Sequence[str], optional): ``SETTINGS WORKER CASE`` as
            :func:`run_worker` passes them; defaults to ``sys.argv[1:]``.

    Raises:
        SystemExit: ``argv`` is not three items.
    """
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        raise SystemExit('python -m irg_mm.cost_benchmark runs one worker '
                         'for run_worker (SETTINGS WORKER CASE); the cost '
                         'benchmark itself is tools/analysis/'
                         'cost_benchmark.py')
    settings_json, worker, case_json = argv
    check_choice('worker', worker, tuple(WORKERS))
    result = WORKERS[worker](Settings.from_json(settings_json),
                             *json.loads(case_json))
    print(json.dumps(result))
