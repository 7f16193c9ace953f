# Copyright (c) irg_mm contributors. All rights reserved.
"""Measure what IRG costs: its edge kernel, whole distillation training
steps, and the CPU fast path (bfloat16, channels_last).

The benchmark lives in :mod:`irg_mm.cost_benchmark`; docs/cost_benchmark.md
describes the sections, the targets and the measurements.

Example:
    python tools/analysis/cost_benchmark.py --sections kernel step \
        --batch-sizes 32 64 256 --dims 512 25088 200704 --repeat 5 \
        --step-batch 8 --step-repeat 5
    python tools/analysis/cost_benchmark.py --sections layout step \
        --step-precision bf16_cl
"""
import argparse
import dataclasses
from typing import Optional, Sequence

import torch

from irg_mm.cost_benchmark import SECTIONS, Settings, run_sections
from irg_mm.cost_benchmark.kernels import KERNELS
from irg_mm.cost_benchmark.steps import PRECISIONS, STEPS

DEFAULTS = Settings()


def add_int(group: argparse._ActionsContainer,
            flag: str,
            text: str,
            nargs: Optional[str] = None) -> None:
    """Add an int option whose default is the ``Settings`` field it sets."""
    default = getattr(DEFAULTS, flag[2:].replace('-', '_'))
    group.add_argument(flag, type=int, nargs=nargs, default=default, help=text)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time and measure the memory of IRG kernels and steps.')
    parser.add_argument(
        '--sections',
        nargs='+',
        choices=list(SECTIONS),
        default=['kernel', 'step'],
        help='what to measure: the edge-loss kernel, whole training steps, '
        'the fast path (precision and memory layout)')
    parser.add_argument(
        '--device', default=DEFAULTS.device, help='cpu or cuda')
    kernel = parser.add_argument_group('kernel section')
    add_int(kernel, '--batch-sizes', 'batch sizes B', nargs='+')
    add_int(
        kernel,
        '--dims', 'feature dimensions D (ResNet-18 flattened: 25088 = layer4, '
        '200704 = layer1)',
        nargs='+')
    add_int(kernel, '--repeat', 'timed calls per kernel')
    add_int(
        kernel, '--skip-naive-above',
        'skip the naive kernel when one B x B x D float32 tensor exceeds '
        'this many bytes (its peak is a multiple of that)')
    kernel.add_argument(
        '--kernels',
        nargs='+',
        choices=list(KERNELS),
        default=DEFAULTS.kernels)
    step = parser.add_argument_group('step section')
    add_int(step, '--step-batch', 'images per step (the recipe: 32 per GPU)')
    add_int(step, '--step-image-size', 'image side')
    add_int(step, '--step-warmup', 'untimed steps first')
    add_int(step, '--step-repeat', 'timed steps per variant')
    step.add_argument(
        '--step-precision',
        choices=list(PRECISIONS),
        default=DEFAULTS.step_precision,
        help='bf16: autocast; bf16_cl: autocast and channels_last')
    step.add_argument(
        '--steps', nargs='+', choices=list(STEPS), default=DEFAULTS.steps)
    layout = parser.add_argument_group('layout section')
    add_int(layout, '--layout-repeat', 'timed steps per model and precision')
    args = parser.parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: torch.cuda.is_available() is '
                     'False on this machine; use --device cpu')
    return args


def main() -> None:
    """Run the chosen sections and print their tables."""
    args = parse_args()
    fields = dataclasses.fields(Settings)
    settings = Settings(**{f.name: getattr(args, f.name) for f in fields})
    print('\n'.join(run_sections(args.sections, settings)))


if __name__ == '__main__':
    main()
