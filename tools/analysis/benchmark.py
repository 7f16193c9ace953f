# Copyright (c) irg_mm contributors. All rights reserved.
"""Benchmark the IRG edge kernel against a naive version and a matmul floor.

Kernel section: forward + backward of :class:`irg_mm.models.IRGEdgeLoss` on a
student ``[B, D]`` (teacher of the same shape) against

- ``naive``: the same loss with distances by broadcasting
  ``(x[:, None] - x[None]).pow(2).sum(-1)``, which builds (and lets autograd
  keep) ``B x B x D`` tensors;
- ``floor``: one ``[B, D] x [D, B]`` matrix product, forward only: the
  fewest flops any exact ``B x B`` distance computation needs.

Every case runs in a fresh subprocess, so its peak memory is its own: on
CUDA ``torch.cuda.max_memory_allocated`` above the inputs, on CPU the growth
of the process's peak resident set size above its resident size once the
inputs exist and the kernels are warm (Linux ``/proc``).

Example:
    python tools/analysis/benchmark.py --batch-sizes 64 256 \
        --dims 512 25088 --repeat 5
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch

IMPLS = ('irg', 'naive', 'floor')
IMPL_NAMES = {
    'irg': 'IRGEdgeLoss fwd+bwd',
    'naive': 'broadcast fwd+bwd',
    'floor': 'one matmul (floor)',
}
FLOAT32_BYTES = 4
MIB = 2**20
WARMUP_SHAPE = (4, 8)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time and measure the memory of IRG kernels.')
    parser.add_argument(
        '--section',
        choices=['kernel'],
        default='kernel',
        help='what to benchmark: the edge-loss kernel')
    parser.add_argument(
        '--batch-sizes',
        type=int,
        nargs='+',
        default=[64, 256],
        help='batch sizes B')
    parser.add_argument(
        '--dims',
        type=int,
        nargs='+',
        default=[512, 25088],
        help='feature dimensions D (25088 = ResNet-18 layer4 flattened)')
    parser.add_argument(
        '--repeat', type=int, default=5, help='timed runs per case')
    parser.add_argument(
        '--skip-naive-above',
        type=int,
        default=2**30,
        metavar='BYTES',
        help='skip the naive kernel when one B x B x D float32 tensor '
        'exceeds this many bytes (its peak is a multiple of that)')
    parser.add_argument(
        '--impls',
        nargs='+',
        choices=IMPLS,
        default=list(IMPLS),
        help='kernels to run')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument(
        '--worker',
        nargs=3,
        metavar=('IMPL', 'B', 'D'),
        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------
# Kernel section: what runs inside one worker subprocess
# ----------------------------------------------------------------------------
def irg_kernel(student: torch.Tensor,
               teacher: torch.Tensor) -> Callable[[], None]:
    """IRGEdgeLoss forward + backward."""
    # Imported here: only this worker pays for importing MMRazor.
    import irg_mm  # noqa: F401  (applies compat before MMRazor loads)
    from irg_mm.models import IRGEdgeLoss
    loss = IRGEdgeLoss()

    def kernel() -> None:
        student.grad = None
        loss(student, teacher).backward()

    return kernel


def naive_kernel(student: torch.Tensor,
                 teacher: torch.Tensor) -> Callable[[], None]:
    """The same loss with broadcast distances, forward + backward."""

    def edges(x: torch.Tensor) -> torch.Tensor:
        distances = (x[:, None] - x[None]).pow(2).sum(-1)
        return distances / distances.max().detach()

    def kernel() -> None:
        student.grad = None
        with torch.no_grad():
            edges_T = edges(teacher)
        (edges(student) - edges_T).pow(2).mean().backward()

    return kernel


def floor_kernel(student: torch.Tensor,
                 teacher: torch.Tensor) -> Callable[[], None]:
    """One [B, D] x [D, B] product, forward only."""

    def kernel() -> None:
        with torch.no_grad():
            student @ student.t()

    return kernel


KERNELS = {'irg': irg_kernel, 'naive': naive_kernel, 'floor': floor_kernel}


def make_kernel(impl: str, batch_size: int, dim: int,
                device: str) -> Callable[[], None]:
    """Build a student and a teacher ``[B, D]`` and one kernel on them."""
    student = torch.randn(batch_size, dim, device=device, requires_grad=True)
    teacher = torch.randn(batch_size, dim, device=device)
    return KERNELS[impl](student, teacher)


def current_rss_bytes() -> int:
    """Resident set size of this process now (Linux)."""
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize()


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_peak_bytes(kernel: Callable[[], None], device: str) -> int:
    """Peak memory one call of ``kernel`` adds above the current state."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        kernel()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - before
    before = current_rss_bytes()
    kernel()
    return max(peak_rss_bytes() - before, 0)


def time_kernel(kernel: Callable[[], None], device: str, repeat: int) -> float:
    """Median wall time of ``kernel`` in seconds over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        kernel()
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_worker(impl: str, batch_size: int, dim: int, device: str,
               repeat: int) -> Dict:
    """Measure one case in this (fresh) process; memory first, then time."""
    # A tiny warm-up loads kernels and thread pools, which would otherwise
    # be billed to the case.
    make_kernel(impl, *WARMUP_SHAPE, device)()
    kernel = make_kernel(impl, batch_size, dim, device)
    peak = measure_peak_bytes(kernel, device)
    return dict(peak_bytes=peak, seconds=time_kernel(kernel, device, repeat))


# ----------------------------------------------------------------------------
# Kernel section: the driver
# ----------------------------------------------------------------------------
def run_case(impl: str, batch_size: int, dim: int,
             args: argparse.Namespace) -> Dict:
    """Run one case in a fresh subprocess and return its measurements."""
    cmd = [
        sys.executable, __file__, '--worker', impl,
        str(batch_size),
        str(dim), '--repeat',
        str(args.repeat), '--device', args.device
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def naive_tensor_bytes(batch_size: int, dim: int) -> int:
    """Bytes of one float32 ``B x B x D`` tensor of the naive kernel."""
    return batch_size * batch_size * dim * FLOAT32_BYTES


def kernel_section(args: argparse.Namespace) -> List[str]:
    """Measure every (B, D, kernel) case and return the table's lines."""
    lines = [
        f'Kernel section on {args.device}: median of {args.repeat} runs; '
        'peak = memory added above the inputs.',
        '',
        '|    B |     D | kernel               | time (ms) | x floor |'
        ' peak (MiB) |',
        '|-----:|------:|:---------------------|----------:|--------:|'
        '-----------:|',
    ]
    notes = []
    for batch_size in args.batch_sizes:
        for dim in args.dims:
            results = {}
            for impl in args.impls:
                nbytes = naive_tensor_bytes(batch_size, dim)
                if impl == 'naive' and nbytes > args.skip_naive_above:
                    notes.append(
                        f'naive skipped at B={batch_size}, D={dim}: one '
                        f'B x B x D tensor is {nbytes / 2**30:.1f} GiB '
                        f'(> --skip-naive-above {args.skip_naive_above})')
                    continue
                results[impl] = run_case(impl, batch_size, dim, args)
            floor = results.get('floor', {}).get('seconds')
            for impl, result in results.items():
                ratio = f'{result["seconds"] / floor:7.1f}' if floor else (
                    '      -')
                lines.append(
                    f'| {batch_size:4d} | {dim:5d} | {IMPL_NAMES[impl]:20s} |'
                    f' {result["seconds"] * 1e3:9.2f} | {ratio} |'
                    f' {result["peak_bytes"] / MIB:10.1f} |')
    return lines + [''] + notes


SECTIONS = {'kernel': kernel_section}


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Run the chosen section, print its table and return the lines."""
    args = parse_args(argv)
    if args.worker:
        impl, batch_size, dim = args.worker
        result = run_worker(impl, int(batch_size), int(dim), args.device,
                            args.repeat)
        print(json.dumps(result))
        return []
    lines = SECTIONS[args.section](args)
    print('\n'.join(lines))
    return lines


if __name__ == '__main__':
    main()
