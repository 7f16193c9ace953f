# Copyright (c) irg_mm contributors. All rights reserved.
"""Read what a training run logged."""
import json
import os
import os.path as osp
from typing import List


def load_scalars(work_dir: str, every_attempt: bool = False) -> List[dict]:
    """The scalar records a run logged in its work dir.

    mmengine writes one JSON line per logged step (training or validation)
    to ``<work_dir>/<timestamp>/vis_data/scalars.json``, one timestamp
    folder per start of ``tools/train.py`` (a ``--resume`` starts another).

    Args:
        work_dir (str): The run's ``--work-dir``.
        every_attempt (bool): Read every start, oldest first, not only the
            latest. Defaults to False.

    Returns:
        List[dict]: The records, in logging order.

    Raises:
        FileNotFoundError: If the work dir holds no run.
    """
    runs = sorted(d for d in os.listdir(work_dir) if d[:8].isdigit())
    if not runs:
        raise FileNotFoundError(f'no run (timestamp folder) in {work_dir}')
    records = []
    for run in runs if every_attempt else runs[-1:]:
        path = osp.join(work_dir, run, 'vis_data', 'scalars.json')
        # A start that stopped before its first log line wrote no file.
        if every_attempt and not osp.isfile(path):
            continue
        with open(path, encoding='utf-8') as f:
            records.extend(json.loads(line) for line in f)
    return records
