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
  the student's, and one product in backward;
- ``irg_products``: those three products alone (no autograd);
- ``irg_work``: the same with each Gram matrix of its input shifted by the
  first instance, as the loss does for float32 accuracy: what any
  implementation of the loss must do, so its ratio to the floor bounds what
  the target can ask of one here.

Step section: one training step (data preprocessing, teacher forward,
student forward and backward, SGD step) through MMRazor's
``SingleTeacherDistill``, teacher ResNet-50 and student ResNet-18 with the
hook points of ``configs/irg/resnet18_resnet50_imagenet.py``, for the student
alone, KD (MMRazor's ``KLDivergence`` as the IRG + KD recipe
``configs/irg/irg-kd_resnet18_resnet34_imagenet.py`` configures it), IRG
(all terms of the ResNet-50 config) and IRG + KD (both). Models are
randomly initialised: nothing is downloaded.
``--step-precision bf16`` / ``bf16_cl`` runs the steps in the fast path
(bfloat16 autocast; plus channels_last model and inputs).

Layout section: one training step of the Fashion-MNIST benchmark's student
and teacher (``configs/fashion_mnist``, batch 64 of 28x28x1) in float32,
bfloat16 autocast, and bfloat16 autocast with channels_last, called in turn
in one process; prints images per second and the ratio to float32.

Files: this one is the command line; ``benchmark_harness.py`` measures
(wall times, peak memory, one subprocess per measurement),
``benchmark_cases.py`` builds what is measured (kernels; models and
distillers from the shipped configs) and ``benchmark_sections.py`` prints
the tables and checks the targets, which it declares in ``TARGETS``.

Times: the kernels of one ``(B, D)``, and the step variants, are built in
one subprocess and called in turn, so the load of other jobs on a shared
machine falls evenly on all of them. Memory: every kernel and every variant
runs again in a fresh subprocess, and its peak is the tensor memory it adds
(on CUDA ``torch.cuda.max_memory_allocated``, on CPU the allocations the
profiler records), above a baseline: for a kernel the state once its inputs
exist and it is warm, for a step the state once its config is parsed,
before the models are built (so a step's peak includes weights, gradients
and optimizer state).

Example:
    python tools/analysis/benchmark.py --sections kernel step \
        --batch-sizes 32 64 256 --dims 512 25088 200704 --repeat 5 \
        --step-batch 8 --step-repeat 5
    python tools/analysis/benchmark.py --sections layout step \
        --step-precision bf16_cl
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional, Sequence

import torch

# The harness, cases and sections live beside this file.
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_cases import KERNELS, PRECISIONS, STEPS, WORKERS  # noqa: E402
from benchmark_harness import print_result  # noqa: E402
from benchmark_sections import SECTIONS  # noqa: E402


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


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Run the chosen sections, print their tables and return the lines.

    With ``--worker NAME CASE...`` (how the sections call this file) run
    that one measurement instead and print its result as JSON.

    Args:
        argv (Sequence[str], optional): The command line; defaults to
            ``sys.argv[1:]``.

    Returns:
        List[str]: The printed lines (none for a worker).
    """
    args = parse_args(argv)
    if args.worker:
        worker, *case = args.worker
        print_result(WORKERS[worker](args, *case))
        return []
    lines = []
    for section in args.sections:
        lines += SECTIONS[section](args) + ['']
    print('\n'.join(lines))
    return lines


if __name__ == '__main__':
    main()
