# Copyright (c) irg_mm contributors. All rights reserved.
"""Export the student of a distillation checkpoint as a plain checkpoint.

MMRazor's ``SingleTeacherDistill`` saves the student under ``architecture.*``
beside ``teacher.*`` and ``distiller.*``. The output keeps the student only,
without the prefix, plus the checkpoint's meta (without the distillation
config), so mmpretrain's own config of the student loads it strictly, e.g.
with ``tools/test.py`` or ``mmpretrain.get_model``.

Examples:
    python tools/model_converters/convert_to_student.py \\
        work_dirs/resnet18_resnet50_imagenet/epoch_100.pth resnet18_irg.pth
    python tools/test.py mmpretrain::resnet/resnet18_8xb32_in1k.py \\
        resnet18_irg.pth
"""
import argparse
import os.path as osp
from typing import Dict

import torch

from irg_mm.compat import (CorruptCheckpointError, UnsafeCheckpointError,
                           safe_torch_load)
from irg_mm.errors import NotADistillCheckpointError
from irg_mm.launch.distill_checkpoint import extract_student


def convert(src: str, dst: str) -> Dict[str, int]:
    """Write the student of checkpoint ``src`` to ``dst``.

    Args:
        src (str): Checkpoint written by training a distillation config.
        dst (str): Path of the plain student checkpoint to write.

    Returns:
        dict[str, int]: Number of tensors kept and dropped.

    Raises:
        NotADistillCheckpointError: If ``src`` has no state dict or no
            student in it.
        UnsafeCheckpointError: If ``src`` holds pickled objects beyond
            tensors and mmengine's allow-listed ones (nothing is executed).
        CorruptCheckpointError: If ``src`` is not a readable checkpoint.
    """
    checkpoint = safe_torch_load(src, map_location='cpu')
    if not isinstance(checkpoint, dict) or not isinstance(
            checkpoint.get('state_dict'), dict):
        raise NotADistillCheckpointError(
            f'{src} has no `state_dict` entry; expected a checkpoint written '
            "by mmengine's CheckpointHook while training a distillation "
            'config')
    state_dict = checkpoint['state_dict']
    student = extract_student(state_dict)
    meta = {
        key: value
        for key, value in checkpoint.get('meta', {}).items() if key != 'cfg'
    }
    meta['converted_from'] = osp.basename(src)
    torch.save({'meta': meta, 'state_dict': student}, dst)
    return dict(kept=len(student), dropped=len(state_dict) - len(student))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the student of a distillation checkpoint as a '
        'plain mmpretrain checkpoint')
    parser.add_argument('checkpoint', help='distillation checkpoint')
    parser.add_argument('out', help='where to write the student checkpoint')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if osp.abspath(args.checkpoint) == osp.abspath(args.out):
        raise SystemExit('convert_to_student: OUT must differ from '
                         'CHECKPOINT (the input would be overwritten)')
    try:
        counts = convert(args.checkpoint, args.out)
    except (NotADistillCheckpointError, UnsafeCheckpointError,
            CorruptCheckpointError) as error:
        raise SystemExit(f'convert_to_student: {error}') from error
    print(f'Wrote the student ({counts["kept"]} tensors) to {args.out}; '
          f'dropped {counts["dropped"]} teacher and distiller tensors.')


if __name__ == '__main__':
    main()
