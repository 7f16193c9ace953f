# Copyright (c) irg_mm contributors. All rights reserved.
"""What a finished run leaves in the log dir, and how it is read back.

Each finished run's folder in the log dir holds its small logs: every logged
scalar (``scalars.json``), the test metrics where the run was tested, and
``run.json``, written last, which marks the run as finished and records how
it ran (config, options, the CPU, the code's commit, the teacher file's
fingerprint). A tuning
run that failed leaves ``run.json`` with ``failed`` and its log's last
lines. The tables are computed from these files alone.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
import subprocess
from typing import List, Optional

import torch

from irg_mm.compat.safe_checkpoint import safe_torch_load
from irg_mm.utils import load_scalars
from .report import RunResult
from .spec import Run

TOP1 = 'accuracy/top1'
RECORD = 'run.json'
# Written by irg_mm's GradientShareHook into the work dir.
GRAD_SHARES = 'grad_shares.json'


def machine() -> str:
    """The CPU model, whether it has AMX, and the visible GPU, if any.

    bfloat16 runs differ between CPUs with and without AMX, so each run
    records this beside its results.
    """
    model, flags = 'unknown CPU', ''
    if osp.isfile('/proc/cpuinfo'):
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name' and model == 'unknown CPU':
                    model = value.strip()
                elif key.strip() == 'flags' and not flags:
                    flags = value
    amx = 'AMX' if 'amx_bf16' in flags.split() else 'no AMX'
    text = f'{model} ({amx}, {os.cpu_count()} cores)'
    if torch.cuda.is_available():
        text += f', {torch.cuda.get_device_name(0)}'
    return text


def code_version(root: str) -> str:
    """The git commit the tools run from, ``+changes`` when tracked files
    differ from it; ``'unknown'`` outside a git checkout."""
    try:
        head = subprocess.run(['git', '-C', root, 'rev-parse', 'HEAD'],
                              capture_output=True,
                              text=True,
                              check=True)
        changed = subprocess.run(
            ['git', '-C', root, 'diff', '--quiet', 'HEAD'],
            capture_output=True).returncode
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return head.stdout.strip() + ('+changes' if changed else '')


def weights_sha256(checkpoint: str) -> str:
    """SHA-256 of a checkpoint's weights (names, dtypes, shapes, values).

    Two trainings give the same digest only when they end with the same
    weights, whatever else the file holds (times, paths, optimizer).
    """
    state = safe_torch_load(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f'{name}:{tensor.dtype}:{tuple(tensor.shape)}'.encode())
        digest.update(
            tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.
            numel() else b'')
    return digest.hexdigest()


def write_record(work: str, target: str, record: dict, tested: bool) -> None:
    """Copy a run's small logs to ``target``, ``run.json`` last.

    Args:
        work (str): The run's work dir.
        target (str): Its folder in the log dir.
        record (dict): What ``run.json`` records.
        tested (bool): Whether ``test_metrics.json`` is copied too.
    """
    os.makedirs(target, exist_ok=True)
    with open(osp.join(target, 'scalars.json'), 'w', encoding='utf-8') as f:
        f.writelines(
            json.dumps(r) + '\n'
            for r in load_scalars(work, every_attempt=True))
    if tested:
        shutil.copyfile(
            osp.join(work, 'test_metrics.json'),
            osp.join(target, 'test_metrics.json'))
    if osp.isfile(osp.join(work, GRAD_SHARES)):
        shutil.copyfile(
            osp.join(work, GRAD_SHARES), osp.join(target, GRAD_SHARES))
    _write_json(osp.join(target, RECORD), record)


def write_failure(target: str, record: dict, log_tail: List[str]) -> None:
    """Mark a failed tuning run as finished, with its log's last lines."""
    os.makedirs(target, exist_ok=True)
    _write_json(
        osp.join(target, RECORD), dict(record, failed=True, log_tail=log_tail))


def _write_json(path: str, value: dict) -> None:
    # Written whole, then renamed: a kill never leaves half a record.
    with open(path + '.tmp', 'w', encoding='utf-8') as f:
        json.dump(value, f, indent=1)
    os.replace(path + '.tmp', path)


def read_record(folder: str) -> Optional[dict]:
    """A run's ``run.json``, None when it has not finished."""
    path = osp.join(folder, RECORD)
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def read_grad_shares(folder: str) -> dict:
    """The gradient shares a finished run measured (GradientShareHook's
    ``grad_shares.json``); ``terms`` is empty where the run failed."""
    if read_record(folder).get('failed'):
        return dict(reference=None, terms={}, failed=True)
    with open(osp.join(folder, GRAD_SHARES), encoding='utf-8') as f:
        return json.load(f)


def read_scalars(folder: str) -> List[dict]:
    """Every scalar record a finished run logged, from the log dir."""
    with open(osp.join(folder, 'scalars.json'), encoding='utf-8') as f:
        return [json.loads(line) for line in f]


def read_result(folder: str, run: Run) -> RunResult:
    """The result of one finished run, from its folder in the log dir.

    Args:
        folder (str): The run's folder in the log dir.
        run (Run): The run.

    Returns:
        RunResult: Its last validation top-1, test top-1 where it was
        tested, train time; ``failed`` for a failed tuning run.
    """
    record = read_record(folder)
    if record.get('failed'):
        return RunResult(
            run.method,
            run.seed,
            float('nan'),
            None,
            0.0,
            run.kind,
            run.setting,
            failed=True)
    records = read_scalars(folder)
    val = [r[TOP1] for r in records if TOP1 in r]
    if not val:
        raise RuntimeError(f'no validation result in {folder}/scalars.json')
    test_top1 = None
    if osp.isfile(osp.join(folder, 'test_metrics.json')):
        with open(
                osp.join(folder, 'test_metrics.json'), encoding='utf-8') as f:
            test_top1 = json.load(f)[TOP1]
    return RunResult(run.method, run.seed, val[-1], test_top1,
                     train_seconds(records), run.kind, run.setting)


def train_seconds(records: List[dict]) -> float:
    """Time spent in training iterations: each logged iteration time times
    the iterations since the previous log line (start-up and validation
    excluded; an attempt's iterations redone after a resume count once)."""
    seconds, done = 0.0, 0
    for record in sorted((r for r in records if 'lr' in r),
                         key=lambda r: r['iter']):
        if record['iter'] > done:
            seconds += record['time'] * (record['iter'] - done)
            done = record['iter']
    return seconds
