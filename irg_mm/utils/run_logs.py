# Copyright (c) irg_mm contributors. All rights reserved.
"""Read what a training run logged."""
import json
import os
import os.path as osp
from typing import List


def load_scalars(work_dir: str) -> List[dict]:
    """The scalar records of the latest run in a work dir.

    mmengine writes one JSON line per logged step (training or validation)
    to ``<work_dir>/<timestamp>/vis_data/scalars.json``.

    Args:
        work_dir (str): The run's ``--work-dir``.

    Returns:
        List[dict]: The records, in logging order.

    Raises:
        FileNotFoundError: If the work dir holds no run.
    """
    runs = sorted(d for d in os.listdir(work_dir) if d[:8].isdigit())
    if not runs:
        raise FileNotFoundError(f'no run (timestamp folder) in {work_dir}')
    path = osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f]
