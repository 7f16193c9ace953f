# Copyright (c) irg_mm contributors. All rights reserved.
"""Benchmark IRG: its edge kernel, whole distillation training steps, and
the CPU fast path (bfloat16, channels_last).

Kernel section: forward + backward of :class:`irg_mm.models.IRGEdgeLoss` on a
student ``[B, D]`` (teacher of the same shape) against

- ``irg_maths``: the same maths without the loss's input checks
  (``batch_squared_distances`` twice and ``normalized_mse``);
- ``naive``: the same loss with distances by broadcasting
  ``(x[:, None] - x[None]).pow(2).sum(-1)``, which builds (and lets autograd
  keep) ``B x B x D`` tensors;
- ``floor_fwd``: one ``[B, D] x [D, B]`` product, forward only
  (``2 B^2 D`` flops);
- ``floor_fwd_bwd``: the same product with its backward, two more products
  of the same size (``6 B^2 D`` flops). This is the floor the targets use:
  the IRG kernel cannot do less, since it needs the teacher's Gram matrix,
  the student's, and one product in backward.

Step section: one training step (data preprocessing, teacher forward,
student forward and backward, SGD step) through MMRazor's
``SingleTeacherDistill``, teacher ResNet-50 and student ResNet-18 with the
hook points of ``configs/irg/resnet18_resnet50_imagenet.py``, for the student
alone, KD (MMRazor's ``KLDivergence``), IRG (all terms of that config) and
IRG + KD. Models are randomly initialised: nothing is downloaded.
``--step-precision bf16`` / ``bf16_cl`` runs the steps in the fast path
(bfloat16 autocast; plus channels_last model and inputs).

Layout section: one training step of the Fashion-MNIST benchmark's student
and teacher (``configs/fashion_mnist``, batch 64 of 28x28x1) in float32,
bfloat16 autocast, and bfloat16 autocast with channels_last, called in turn
in one process; prints images per second and the ratio to float32.

Times: the kernels of one ``(B, D)``, and the step variants, are built in
one subprocess and called in turn, so the load of other jobs on a shared
machine falls evenly on all of them. Memory: every kernel and every variant
runs again in a fresh subprocess, so its peak is its own: on CUDA
``torch.cuda.max_memory_allocated``, on CPU the growth of the process's peak
resident set size (Linux ``/proc``), each above a baseline: for a kernel the
state once its inputs exist and it is warm, for a step the state before the
models are built (so a step's peak includes weights, gradients and optimizer
state).

Example:
    python tools/analysis/benchmark.py --sections kernel step \
        --batch-sizes 32 64 256 --dims 512 25088 200704 --repeat 5 \
        --step-batch 8 --step-repeat 5
    python tools/analysis/benchmark.py --sections layout step \
        --step-precision bf16_cl
"""
import argparse
import copy
import json
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch

KERNELS = {
    'irg': 'IRGEdgeLoss fwd+bwd',
    'irg_maths': 'IRG maths, no checks',
    'naive': 'broadcast fwd+bwd',
    'floor_fwd': 'matmul fwd (floor)',
    'floor_fwd_bwd': 'matmul fwd+bwd (floor)',
}
STEPS = {
    'student': 'student only',
    'kd': 'KD',
    'irg': 'IRG',
    'irg_kd': 'IRG + KD',
}
PRECISIONS = {
    'fp32': 'float32',
    'bf16': 'bfloat16 autocast',
    'bf16_cl': 'bfloat16 + channels_last',
}
CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')
IRG_CONFIG = osp.join(CONFIGS, 'irg', 'resnet18_resnet50_imagenet.py')
LAYOUT_MODELS = {
    'student': osp.join(CONFIGS, 'fashion_mnist',
                        'resnet20-x0.25_fashion-mnist.py'),
    'teacher': osp.join(CONFIGS, 'fashion_mnist', 'resnet20_fashion-mnist.py'),
}
LAYOUT_BATCH = 64
LAYOUT_SHAPE = (1, 28, 28)
# MMRazor's KD as in its ResNet-34 -> ResNet-18 config (tau 1, weight 3).
KD_PIECES = dict(
    student_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc')),
    teacher_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc')),
    distill_losses=dict(
        loss_kd=dict(type='KLDivergence', tau=1, loss_weight=3)),
    loss_forward_mappings=dict(
        loss_kd=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'))))
TARGET_DIM = 25088
TARGET_FLOOR_RATIO = 2.0
TARGET_NAIVE_SPEEDUP = 5.0
TARGET_STEP_RATIO = 1.05
TARGET_EXTRA_MEMORY = 0.05
FLOAT32_BYTES = 4
MIB = 2**20
WARMUP_SHAPE = (4, 8)
MEMORY_STEPS = 2


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time and measure the memory of IRG kernels and steps.')
    parser.add_argument(
        '--sections',
        nargs='+',
        choices=['kernel', 'step', 'layout'],
        default=['kernel', 'step'],
        help='what to benchmark: the edge-loss kernel, whole training steps, '
        'the fast path (precision and memory layout)')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    kernel = parser.add_argument_group('kernel section')
    kernel.add_argument(
        '--batch-sizes',
        type=int,
        nargs='+',
        default=[32, 64, 256],
        help='batch sizes B')
    kernel.add_argument(
        '--dims',
        type=int,
        nargs='+',
        default=[512, 25088, 200704],
        help='feature dimensions D (ResNet-18 flattened: 25088 = layer4, '
        '200704 = layer1)')
    kernel.add_argument(
        '--repeat', type=int, default=5, help='timed runs per kernel')
    kernel.add_argument(
        '--skip-naive-above',
        type=int,
        default=2**30,
        metavar='BYTES',
        help='skip the naive kernel when one B x B x D float32 tensor '
        'exceeds this many bytes (its peak is a multiple of that)')
    kernel.add_argument(
        '--kernels',
        nargs='+',
        choices=list(KERNELS),
        default=list(KERNELS),
        help='kernels to run')
    step = parser.add_argument_group('step section')
    step.add_argument(
        '--step-batch',
        type=int,
        default=8,
        help='images per step (the recipe uses 32 per GPU; 8 keeps a CPU '
        'step at a few seconds)')
    step.add_argument(
        '--step-image-size', type=int, default=224, help='image side')
    step.add_argument(
        '--step-warmup', type=int, default=2, help='untimed steps first')
    step.add_argument(
        '--step-repeat', type=int, default=5, help='timed steps per variant')
    step.add_argument(
        '--step-precision',
        choices=list(PRECISIONS),
        default='fp32',
        help='precision and layout of the steps (bf16: autocast; bf16_cl: '
        'autocast and channels_last)')
    layout = parser.add_argument_group('layout section')
    layout.add_argument(
        '--layout-repeat',
        type=int,
        default=10,
        help='timed steps per model and precision')
    step.add_argument(
        '--steps',
        nargs='+',
        choices=list(STEPS),
        default=list(STEPS),
        help='training-step variants to run')
    parser.add_argument('--worker', nargs='+', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: torch.cuda.is_available() is '
                     'False on this machine; use --device cpu')
    return args


# ----------------------------------------------------------------------------
# Measuring, inside one worker subprocess
# ----------------------------------------------------------------------------
def current_rss_bytes() -> int:
    """Resident set size of this process now (Linux)."""
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize()


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def synchronize(device: str) -> None:
    """Wait for queued device work, so wall times cover it."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()


class PeakMemory:
    """Peak memory added above the state at construction.

    Args:
        device (str): ``'cpu'`` (peak RSS growth) or a CUDA device
            (``torch.cuda.max_memory_allocated`` growth).
    """

    def __init__(self, device: str) -> None:
        self.cuda = device.startswith('cuda')
        synchronize(device)
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
            self.baseline = torch.cuda.memory_allocated()
        else:
            self.baseline = current_rss_bytes()

    def added_bytes(self) -> int:
        """Peak bytes above the baseline so far."""
        peak = torch.cuda.max_memory_allocated() if self.cuda else (
            peak_rss_bytes())
        return max(peak - self.baseline, 0)


def wall_times(run: Callable[[], None], device: str,
               repeat: int) -> List[float]:
    """Wall time in seconds of each of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        synchronize(device)
        start = time.perf_counter()
        run()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def interleaved_times(runs: Dict[str, Callable[[], None]], device: str,
                      warmup: int, repeat: int) -> Dict[str, Dict]:
    """Median and fastest wall time of each run, calling them in turn.

    Round-robin calls spread the load of other jobs on a shared machine
    evenly over the runs compared, where timing one after the other would
    bill each run the load of its own minutes.
    """
    for _ in range(warmup):
        for run in runs.values():
            run()
    times = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            times[name] += wall_times(run, device, 1)
    return {
        name: dict(median=statistics.median(values), min=min(values))
        for name, values in times.items()
    }


# ----------------------------------------------------------------------------
# Kernel section: the kernels
# ----------------------------------------------------------------------------
def irg_kernel(student: torch.Tensor,
               teacher: torch.Tensor) -> Callable[[], None]:
    """IRGEdgeLoss forward + backward."""
    # Imported here: only workers that need it pay for importing MMRazor.
    import irg_mm  # noqa: F401  (applies compat before MMRazor loads)
    from irg_mm.models import IRGEdgeLoss
    loss = IRGEdgeLoss()
    return lambda: loss(student, teacher).backward()


def irg_maths_kernel(student: torch.Tensor,
                     teacher: torch.Tensor) -> Callable[[], None]:
    """IRGEdgeLoss's maths without its input checks, forward + backward."""
    import irg_mm  # noqa: F401
    from irg_mm.models.utils import batch_squared_distances, normalized_mse

    def kernel() -> None:
        normalized_mse(
            batch_squared_distances(student),
            batch_squared_distances(teacher)).backward()

    return kernel


def naive_kernel(student: torch.Tensor,
                 teacher: torch.Tensor) -> Callable[[], None]:
    """The same loss with broadcast distances, forward + backward."""

    def edges(x: torch.Tensor) -> torch.Tensor:
        distances = (x[:, None] - x[None]).pow(2).sum(-1)
        return distances / distances.max().detach()

    def kernel() -> None:
        with torch.no_grad():
            edges_T = edges(teacher)
        (edges(student) - edges_T).pow(2).mean().backward()

    return kernel


def floor_fwd_kernel(student: torch.Tensor,
                     teacher: torch.Tensor) -> Callable[[], None]:
    """One [B, D] x [D, B] product, forward only."""

    def kernel() -> None:
        with torch.no_grad():
            student @ teacher.t()

    return kernel


def floor_fwd_bwd_kernel(student: torch.Tensor,
                         teacher: torch.Tensor) -> Callable[[], None]:
    """One [B, D] x [D, B] product and its backward (one product each)."""
    teacher = teacher.clone().requires_grad_(True)
    return lambda: (student @ teacher.t()).sum().backward()


KERNEL_BUILDERS = {
    'irg': irg_kernel,
    'irg_maths': irg_maths_kernel,
    'naive': naive_kernel,
    'floor_fwd': floor_fwd_kernel,
    'floor_fwd_bwd': floor_fwd_bwd_kernel,
}


def make_kernels(impls: Sequence[str], batch_size: int, dim: int,
                 device: str) -> Dict[str, Callable[[], None]]:
    """Build a student and a teacher ``[B, D]`` and kernels on them.

    A tiny case of each kernel runs first: it loads libraries and thread
    pools, which would otherwise be billed to the first measured call.
    """
    student = torch.randn(batch_size, dim, device=device, requires_grad=True)
    teacher = torch.randn(batch_size, dim, device=device)
    if (batch_size, dim) != WARMUP_SHAPE:
        for warmup in make_kernels(impls, *WARMUP_SHAPE, device).values():
            warmup()

    def make(impl: str) -> Callable[[], None]:
        kernel = KERNEL_BUILDERS[impl](student, teacher)

        def run() -> None:
            student.grad = None
            kernel()

        return run

    return {impl: make(impl) for impl in impls}


def kernel_memory_worker(args: argparse.Namespace, impl: str, batch_size: str,
                         dim: str) -> Dict:
    """Peak memory of one kernel call, in this (fresh) process."""
    kernel = make_kernels([impl], int(batch_size), int(dim), args.device)[impl]
    memory = PeakMemory(args.device)
    kernel()
    return dict(peak_bytes=memory.added_bytes())


def kernel_time_worker(args: argparse.Namespace, batch_size: str, dim: str,
                       *impls: str) -> Dict:
    """Interleaved wall times of kernels on one (B, D) case."""
    kernels = make_kernels(impls, int(batch_size), int(dim), args.device)
    return interleaved_times(kernels, args.device, 1, args.repeat)


# ----------------------------------------------------------------------------
# Step section: the models
# ----------------------------------------------------------------------------
def step_model_cfg(variant: str) -> dict:
    """The model config of one training-step variant.

    The distillation variants reuse the IRG config's ``SingleTeacherDistill``
    (models, data preprocessor, hook points, weights) and swap its
    distiller; the student-only variant is the config's student alone.
    """
    import irg_mm  # noqa: F401  (resolves mmpretrain:: configs locally)
    from mmengine.config import Config
    model = Config.fromfile(IRG_CONFIG).model.to_dict()
    model['teacher_ckpt'] = None
    if variant == 'student':
        return model['architecture']
    irg = model['distiller']
    model['distiller'] = {
        'kd': dict(type='ConfigurableDistiller', **KD_PIECES),
        'irg': irg,
        'irg_kd': dict(irg, **copy.deepcopy(KD_PIECES)),
    }[variant]
    return model


def random_batch(batch_size: int,
                 image_size: int,
                 channels: int = 3,
                 num_classes: int = 1000) -> Dict:
    """Random uint8 images and labels, as a dataloader hands them over."""
    from mmpretrain.structures import DataSample
    images = torch.randint(
        0,
        256, (batch_size, channels, image_size, image_size),
        dtype=torch.uint8)
    labels = torch.randint(0, num_classes, (batch_size, ))
    return dict(
        inputs=images,
        data_samples=[DataSample().set_gt_label(label) for label in labels])


def make_train_step(model_cfg: dict, data: Dict, precision: str,
                    device: str) -> Callable[[], None]:
    """Build a model and SGD in one precision and layout; return its step.

    Args:
        model_cfg (dict): The model config (mmrazor or mmpretrain scope).
        data (Dict): One batch as a dataloader hands it over.
        precision (str): A key of ``PRECISIONS``.
        device (str): ``'cpu'`` or a CUDA device.

    Returns:
        Callable[[], None]: One training step (forward, backward, SGD).
    """
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    from mmrazor.registry import MODELS

    from irg_mm.engine.hooks.channels_last_hook import \
        inputs_to_channels_last
    from irg_mm.engine.optim_wrappers import CPUAmpOptimWrapper
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).to(device)
    model.train()  # SingleTeacherDistill.train returns None, not self
    if precision == 'bf16_cl':
        model.to(memory_format=torch.channels_last)
        model.data_preprocessor.register_forward_hook(
            inputs_to_channels_last)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    if precision == 'fp32':
        optim_wrapper = OptimWrapper(optimizer)
    elif device.startswith('cuda'):
        optim_wrapper = AmpOptimWrapper(
            optimizer=optimizer, dtype=torch.bfloat16)
    else:
        optim_wrapper = CPUAmpOptimWrapper(optimizer=optimizer)
    return lambda: model.train_step(data, optim_wrapper)


def make_step(variant: str, args: argparse.Namespace) -> Callable[[], None]:
    """Build one variant's model and SGD and return its training step."""
    data = random_batch(args.step_batch, args.step_image_size)
    return make_train_step(
        step_model_cfg(variant), data, args.step_precision, args.device)


def step_memory_worker(args: argparse.Namespace, variant: str) -> Dict:
    """Peak memory of building one variant and training it, in this
    (fresh) process: two steps, as the first creates the SGD state."""
    import irg_mm  # noqa: F401  (imports weigh nothing in the peak below)
    import mmpretrain  # noqa: F401
    import mmrazor.models  # noqa: F401
    memory = PeakMemory(args.device)
    step = make_step(variant, args)
    wall_times(step, args.device, MEMORY_STEPS)
    return dict(peak_bytes=memory.added_bytes())


def step_time_worker(args: argparse.Namespace, *variants: str) -> Dict:
    """Interleaved wall times of the training steps of several variants."""
    steps = {variant: make_step(variant, args) for variant in variants}
    return interleaved_times(steps, args.device, args.step_warmup,
                             args.step_repeat)


def layout_time_worker(args: argparse.Namespace) -> Dict:
    """Interleaved step times of the layout section's models in every
    precision."""
    import irg_mm  # noqa: F401  (registers HeResNetCIFAR)
    from mmengine.config import Config
    channels, side, _ = LAYOUT_SHAPE
    data = random_batch(LAYOUT_BATCH, side, channels, num_classes=10)
    steps = {}
    for name, config in LAYOUT_MODELS.items():
        model_cfg = dict(Config.fromfile(config).model.to_dict(),
                         _scope_='mmpretrain')
        for precision in PRECISIONS:
            steps[f'{name}/{precision}'] = make_train_step(
                model_cfg, data, precision, args.device)
    return interleaved_times(steps, args.device, 2, args.layout_repeat)


WORKERS = {
    'kernel_memory': kernel_memory_worker,
    'kernel_time': kernel_time_worker,
    'step_memory': step_memory_worker,
    'step_time': step_time_worker,
    'layout_time': layout_time_worker,
}


# ----------------------------------------------------------------------------
# The driver
# ----------------------------------------------------------------------------
def run_worker(args: argparse.Namespace, worker: str, *case) -> Dict:
    """Run one worker in a fresh subprocess and return what it measured."""
    options = [
        '--device', args.device, '--repeat',
        str(args.repeat), '--step-batch',
        str(args.step_batch), '--step-image-size',
        str(args.step_image_size), '--step-warmup',
        str(args.step_warmup), '--step-repeat',
        str(args.step_repeat), '--step-precision', args.step_precision,
        '--layout-repeat',
        str(args.layout_repeat)
    ]
    cmd = [sys.executable, __file__, *options, '--worker', worker]
    out = subprocess.run(
        cmd + [str(item) for item in case], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f'benchmark worker {worker} {case} failed:\n'
                           f'{out.stderr}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def naive_tensor_bytes(batch_size: int, dim: int) -> int:
    """Bytes of one float32 ``B x B x D`` tensor of the naive kernel."""
    return batch_size * batch_size * dim * FLOAT32_BYTES


def ratio(numerator: Optional[Dict], denominator: Optional[Dict],
          key: str) -> Optional[float]:
    """``numerator[key] / denominator[key]``, None if either is missing."""
    if not numerator or not denominator:
        return None
    return numerator[key] / denominator[key]


def cell(value: Optional[float], fmt: str) -> str:
    """A table cell, ``-`` for a missing value."""
    return '-' if value is None else format(value, fmt)


def verdict(value: Optional[float], met: Callable[[float], bool]) -> str:
    """``met``, ``MISSED`` or ``not measured``."""
    if value is None:
        return 'not measured'
    return 'met' if met(value) else 'MISSED'


def kernel_targets(results: Dict[tuple, Dict]) -> List[str]:
    """One line per batch size at D = 25088 checking both kernel targets."""
    lines = []
    for batch_size, dim in sorted({case[:2] for case in results}):
        if dim != TARGET_DIM:
            continue
        irg = results.get((batch_size, dim, 'irg'))
        floor = ratio(irg, results.get((batch_size, dim, 'floor_fwd_bwd')),
                      'min')
        speedup = ratio(results.get((batch_size, dim, 'naive')), irg, 'min')
        lines.append(
            f'B={batch_size}, D={dim}: IRG / fwd+bwd floor = '
            f'{cell(floor, ".2f")} (target <= {TARGET_FLOOR_RATIO}: '
            f'{verdict(floor, lambda r: r <= TARGET_FLOOR_RATIO)}); '
            f'broadcast / IRG = {cell(speedup, ".1f")} (target >= '
            f'{TARGET_NAIVE_SPEEDUP}: '
            f'{verdict(speedup, lambda r: r >= TARGET_NAIVE_SPEEDUP)})')
    return lines


def kernel_section(args: argparse.Namespace) -> List[str]:
    """Measure every (B, D, kernel) case and return the table's lines."""
    results, notes = {}, []
    for batch_size in args.batch_sizes:
        for dim in args.dims:
            impls = list(args.kernels)
            nbytes = naive_tensor_bytes(batch_size, dim)
            if 'naive' in impls and nbytes > args.skip_naive_above:
                impls.remove('naive')
                notes.append(f'naive skipped at B={batch_size}, D={dim}: one '
                             f'B x B x D tensor is {nbytes / 2**30:.1f} GiB '
                             f'(> --skip-naive-above {args.skip_naive_above})')
            times = run_worker(args, 'kernel_time', batch_size, dim, *impls)
            for impl in impls:
                results[batch_size, dim, impl] = dict(
                    times[impl],
                    **run_worker(args, 'kernel_memory', impl, batch_size, dim))
    lines = [
        f'Kernel section on {args.device}: {args.repeat} timed calls per '
        'kernel, the kernels of one (B, D) called in turn; ratios use the '
        'fastest call (the least disturbed on a shared machine); peak = '
        'memory one call adds above its inputs (own process).',
        '',
        '|    B |      D | kernel                 | median (ms) | min (ms) |'
        ' x fwd+bwd floor | x fwd floor | peak (MiB) |',
        '|-----:|-------:|:-----------------------|------------:|---------:|'
        '----------------:|------------:|-----------:|',
    ]
    for (batch_size, dim, impl), result in results.items():
        floors = [
            ratio(result, results.get((batch_size, dim, floor)), 'min')
            for floor in ('floor_fwd_bwd', 'floor_fwd')
        ]
        lines.append(
            f'| {batch_size:4d} | {dim:6d} | {KERNELS[impl]:22s} |'
            f' {result["median"] * 1e3:11.2f} | {result["min"] * 1e3:8.2f} |'
            f' {cell(floors[0], "15.2f"):>15s} |'
            f' {cell(floors[1], "11.2f"):>11s}'
            f' | {result["peak_bytes"] / MIB:10.1f} |')
    return lines + [''] + notes + kernel_targets(results)


def step_targets(results: Dict[str, Dict]) -> List[str]:
    """Lines checking the step-time and the extra-memory targets."""
    kd = results.get('kd')
    lines = []
    for variant in ('irg', 'irg_kd'):
        result = results.get(variant)
        time_ratio = ratio(result, kd, 'median')
        extra = None
        if result and kd:
            extra = 1 - kd['peak_bytes'] / result['peak_bytes']
        percent = None if extra is None else 100 * extra
        lines.append(
            f'{STEPS[variant]}: step time / KD = {cell(time_ratio, ".3f")} '
            f'(target <= {TARGET_STEP_RATIO}: '
            f'{verdict(time_ratio, lambda r: r <= TARGET_STEP_RATIO)}); '
            f'extra memory vs KD = {cell(percent, ".1f")}% of '
            f'its peak (target < {100 * TARGET_EXTRA_MEMORY:.0f}%: '
            f'{verdict(extra, lambda r: r < TARGET_EXTRA_MEMORY)})')
    return lines


def step_section(args: argparse.Namespace) -> List[str]:
    """Measure every training-step variant and return the table's lines."""
    times = run_worker(args, 'step_time', *args.steps)
    results = {
        variant: dict(times[variant], **run_worker(args, 'step_memory',
                                                   variant))
        for variant in args.steps
    }
    kd = results.get('kd')
    lines = [
        f'Step section on {args.device}: ResNet-50 -> ResNet-18, batch '
        f'{args.step_batch}, {args.step_image_size}x{args.step_image_size}, '
        f'{PRECISIONS[args.step_precision]}, '
        f'{args.step_repeat} timed steps per variant after '
        f'{args.step_warmup} warm-up steps, the variants stepped in turn; '
        'ratios use the median; peak = memory added by building the models '
        f'and training {MEMORY_STEPS} steps (weights, gradients, SGD state, '
        'activations; own process).',
        '',
        '| variant      | median (s) | min (s) | x KD  | peak (MiB) |'
        ' vs KD (MiB) |',
        '|:-------------|-----------:|--------:|------:|-----------:|'
        '------------:|',
    ]
    for variant, result in results.items():
        extra = (result['peak_bytes'] - kd['peak_bytes']) / MIB if kd else None
        lines.append(f'| {STEPS[variant]:12s} | {result["median"]:10.3f} |'
                     f' {result["min"]:7.3f} |'
                     f' {cell(ratio(result, kd, "median"), "5.3f"):>5s} |'
                     f' {result["peak_bytes"] / MIB:10.1f} |'
                     f' {cell(extra, "+11.1f"):>11s} |')
    return lines + [''] + step_targets(results)


def layout_section(args: argparse.Namespace) -> List[str]:
    """Time the fast path against float32 and return the table's lines."""
    times = run_worker(args, 'layout_time')
    channels, side, _ = LAYOUT_SHAPE
    lines = [
        f'Layout section on {args.device}: one training step of the '
        f'Fashion-MNIST models, batch {LAYOUT_BATCH} of {side}x{side}x'
        f'{channels}, {args.layout_repeat} timed steps each after 2 warm-up '
        'steps, all six stepped in turn in one process; ratios use the '
        'median.',
        '',
        '| model | precision | median (ms) | images / s | x float32 speed |',
        '|:--|:--|--:|--:|--:|',
    ]
    for name in LAYOUT_MODELS:
        fp32 = times[f'{name}/fp32']['median']
        for precision, label in PRECISIONS.items():
            median = times[f'{name}/{precision}']['median']
            lines.append(f'| {name} | {label} | {median * 1e3:.1f} | '
                         f'{LAYOUT_BATCH / median:.0f} | '
                         f'{fp32 / median:.2f} |')
    return lines


SECTIONS = {
    'kernel': kernel_section,
    'step': step_section,
    'layout': layout_section
}


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Run the chosen sections, print their tables and return the lines."""
    args = parse_args(argv)
    if args.worker:
        section, *case = args.worker
        print(json.dumps(WORKERS[section](args, *case)))
        return []
    lines = []
    for section in args.sections:
        lines += SECTIONS[section](args) + ['']
    print('\n'.join(lines))
    return lines


if __name__ == '__main__':
    main()
