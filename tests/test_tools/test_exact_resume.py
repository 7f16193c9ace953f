# Copyright (c) irg_mm contributors. All rights reserved.
"""A run killed with SIGKILL and resumed ends with the same weights and
optimizer state as one that was never interrupted.

What makes it exact (see docs/distributed.md, "Resume"):

- ``IterBasedTrainLoop`` (mmengine) replays the dataloader up to the
  checkpoint's iteration on resume, so the sampler order and the random
  augmentations (drawn from the global NumPy RNG) continue where they
  stopped.
- ``EpochBasedTrainLoop``: irg_mm's ``RandomStateHook``, which
  ``tools/train.py`` turns on, stores every generator's state in each
  epoch-end checkpoint and starts the resumed epoch from it. Checkpoints
  are written atomically, so a kill during a write leaves none truncated.

In both, the parameter schedulers and the optimizer state are in the
checkpoint. ``kill_points.SigkillHook`` kills a run at an exact moment.
"""
import glob
import os
import os.path as osp
import signal
import subprocess
import sys
import time
from typing import Any, Dict, List

import pytest
import torch
from conftest import REPO_ROOT
from tiny_data import make_idx

from irg_mm.compat import safe_torch_load
from irg_mm.errors import CorruptCheckpointError

IRG_CONFIG = osp.join(REPO_ROOT,
                      'configs/digits/irg_resnet8-w8_resnet20_digits.py')
# 251 training images at 64 a batch: 4 iterations an epoch, so iterations
# 3, 6 and 9 (every checkpoint but the last) end mid-epoch.
MAX_ITERS = 12
ITERS_PER_EPOCH = 4
CHECKPOINT_INTERVAL = 3
EXACT_RESUME_CONFIG = f"""
_base_ = {IRG_CONFIG!r}
model = dict(teacher_ckpt=None)
preflight = dict(allow_random_teacher=True)
train_dataloader = dict(dataset=dict(train_fraction=0.2))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters={MAX_ITERS})
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=4),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=4,
         end={MAX_ITERS}),
]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(by_epoch=False, interval={CHECKPOINT_INTERVAL},
                    max_keep_ckpts=-1, save_last=True))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0, deterministic=True)
"""

FASHION_IRG = osp.join(
    REPO_ROOT,
    'configs/fashion_mnist/irg_resnet20-x0.25_resnet20_fashion-mnist.py')
# The Fashion-MNIST IRG config as users run it (random crop and flip,
# validation and a checkpoint every epoch), on 30 images: 10 held out for
# validation, 20 trained at 4 a batch, so 5 batches an epoch.
EPOCHS = 3
EPOCH_CONFIG = """
_base_ = {base!r}
custom_imports = dict(imports=['irg_mm', 'kill_points'],
                      allow_failed_imports=False)
model = dict(teacher_ckpt=None)
preflight = dict(allow_random_teacher=True)
train_dataloader = dict(
    batch_size=4, dataset=dict(data_root={root!r}, val_size=10))
val_dataloader = dict(
    batch_size=10, dataset=dict(data_root={root!r}, val_size=10))
test_dataloader = dict(dataset=dict(data_root={root!r}))
train_cfg = dict(max_epochs={epochs}, val_interval=1)
# As the shipped configs, one checkpoint kept: the last goes when the next
# is saved.
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=1, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=True)
"""
# Every checkpoint of the uninterrupted run stays, for the tests that load
# one.
KEEP_ALL = ['--cfg-options', 'default_hooks.checkpoint.max_keep_ckpts=-1']
# (moment, epoch, batch) of each kill; every run resumes the one before.
KILLS = [
    ('train', 2, 2),  # mid-epoch, epoch_1.pth saved
    ('val', 2, 0),  # validating, epoch_2.pth saved by a resumed run
    ('load', 0, 0),  # start-up, right after --resume loaded epoch_2.pth
    ('save', 3, 0),  # halfway through writing epoch_3.pth
]
NO_STATE_LINE = 'The resumed checkpoint holds no random state'


def _start(args: List[str], **popen_kwargs: Any) -> subprocess.Popen:
    """``tools/train.py ARGS``: one thread, ``kill_points`` importable."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([REPO_ROOT,
                                    osp.join(REPO_ROOT, 'tests')]),
        OMP_NUM_THREADS='1')
    return subprocess.Popen([sys.executable, 'tools/train.py', *args],
                            cwd=REPO_ROOT,
                            env=env,
                            **popen_kwargs)


def _train(args: List[str], returncode: int = 0) -> str:
    """Run ``tools/train.py ARGS``, check how it ended, return its log."""
    process = _start(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log, _ = process.communicate(timeout=600)
    assert process.returncode == returncode, log[-6000:]
    return log


def _last_checkpoint(work_dir: str) -> str:
    """What mmengine's auto-resume will load; it names a checkpoint only
    once that checkpoint is completely written."""
    try:
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ''


def _kill_after_first_checkpoint(args: List[str], work_dir: str) -> None:
    """Start training and SIGKILL it once a mid-run checkpoint exists."""
    process = _start(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not _last_checkpoint(work_dir).endswith('.pth'):
        assert process.poll() is None, 'training ended before a checkpoint'
        assert time.time() < deadline, 'no checkpoint after 120 s'
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


def _assert_equal(actual: Any, expected: Any, key: str) -> None:
    """Tensors ``torch.equal``, everything else ``==``, recursively."""
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), key
        for name, value in expected.items():
            _assert_equal(actual[name], value, f'{key}.{name}')
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), key
        for index, value in enumerate(expected):
            _assert_equal(actual[index], value, f'{key}[{index}]')
    elif isinstance(expected, torch.Tensor):
        assert torch.equal(actual, expected), key
    else:
        assert actual == expected, key


def _assert_same_training_state(actual_path: str, expected_path: str) -> None:
    """Weights, optimizer state (momenta, learning rates) and schedulers."""
    actual = torch.load(actual_path, weights_only=False)
    expected = torch.load(expected_path, weights_only=False)
    for key in ('state_dict', 'optimizer', 'param_schedulers'):
        _assert_equal(actual[key], expected[key], key)


def _loads(path: str) -> bool:
    try:
        safe_torch_load(path)
    except CorruptCheckpointError:
        return False
    return True


def _checkpoints(work_dir: str) -> Dict[str, bool]:
    """Each ``*.pth`` of a work dir and whether it loads."""
    return {
        osp.basename(path): _loads(path)
        for path in glob.glob(osp.join(work_dir, '*.pth'))
    }


def test_killed_mid_epoch_resumes_exactly(tmp_path, python_runner):
    config = tmp_path / 'exact_resume.py'
    config.write_text(EXACT_RESUME_CONFIG)
    uninterrupted, interrupted = tmp_path / 'whole', tmp_path / 'killed'
    python_runner([
        'tools/train.py',
        str(config), '--no-validate', '--work-dir',
        str(uninterrupted)
    ])

    _kill_after_first_checkpoint(
        [str(config), '--no-validate', '--work-dir',
         str(interrupted)], str(interrupted))
    assert not osp.isfile(interrupted / f'iter_{MAX_ITERS}.pth')
    log = _train([
        str(config), '--no-validate', '--work-dir',
        str(interrupted), '--resume'
    ])
    resumed_iter = int(
        log.split('resumed epoch: ')[1].split('iter: ')[1].split()[0].rstrip(
            ','))
    assert 0 < resumed_iter < MAX_ITERS
    assert resumed_iter % ITERS_PER_EPOCH != 0, 'not a mid-epoch resume'
    assert f'Advance dataloader {resumed_iter} steps' in log

    final = f'iter_{MAX_ITERS}.pth'
    _assert_same_training_state(
        str(interrupted / final), str(uninterrupted / final))


def _epoch_config(folder: str, epochs: int) -> str:
    """:data:`EPOCH_CONFIG` on a tiny Fashion-MNIST set, written to
    ``folder``; its path."""
    root = make_idx(osp.join(folder, 'idx'), train_per_class=3)
    config = osp.join(folder, 'fashion_irg.py')
    with open(config, 'w') as f:
        f.write(
            EPOCH_CONFIG.format(base=FASHION_IRG, root=root, epochs=epochs))
    return config


def _sigkill_hook(at: str, epoch: int, batch: int) -> str:
    """The ``--custom-hooks`` entry that kills the run at that moment."""
    return f"dict(type='SigkillHook', at={at!r}, epoch={epoch}, " \
        f'batch={batch})'


@pytest.fixture(scope='module')
def epoch_runs(tmp_path_factory) -> Dict[str, Any]:
    """The Fashion-MNIST IRG config trained once uninterrupted, and once
    killed at each of :data:`KILLS` and resumed after each kill.

    Returns:
        dict: ``config``, the two work dirs (``whole``, ``killed``), and
        ``after_kill``: per moment, the work dir's checkpoints (whether
        each loads) and ``last_checkpoint`` right after that kill, and the
        log of the resume that followed.
    """
    tmp_path = tmp_path_factory.mktemp('epoch_resume')
    config = _epoch_config(str(tmp_path), EPOCHS)
    whole, killed = str(tmp_path / 'whole'), str(tmp_path / 'killed')
    _train([config, '--work-dir', whole, *KEEP_ALL])

    after_kill = {}
    resume = [config, '--work-dir', killed, '--resume']
    for at, epoch, batch in KILLS:
        _train([*resume, '--custom-hooks',
                _sigkill_hook(at, epoch, batch)], -signal.SIGKILL)
        after_kill[at] = dict(
            checkpoints=_checkpoints(killed),
            last_checkpoint=_last_checkpoint(killed))
    after_kill['save']['resume_log'] = _train(resume)
    return dict(
        config=config, whole=whole, killed=killed, after_kill=after_kill)


def test_epoch_run_killed_four_times_resumes_exactly(epoch_runs):
    final = f'epoch_{EPOCHS}.pth'
    _assert_same_training_state(
        osp.join(epoch_runs['killed'], final),
        osp.join(epoch_runs['whole'], final))


def test_kill_during_checkpoint_write_leaves_no_truncated_checkpoint(
        epoch_runs):
    after = epoch_runs['after_kill']['save']
    # epoch_3.pth was half written when the process died: it does not
    # exist, the one before is still there (max_keep_ckpts=1 drops it only
    # after the next is saved) and loads, and last_checkpoint names it; the
    # next resume continues from it.
    assert after['checkpoints'] == {'epoch_2.pth': True}
    assert after['last_checkpoint'] == osp.join(epoch_runs['killed'],
                                                'epoch_2.pth')
    assert 'resumed epoch: 2' in after['resume_log']


def test_checkpoint_without_random_state_resumes_with_one_log_line(
        epoch_runs, tmp_path):
    checkpoint = torch.load(
        osp.join(epoch_runs['whole'], 'epoch_2.pth'), weights_only=False)
    del checkpoint['random_state']
    old = str(tmp_path / 'epoch_2.pth')
    torch.save(checkpoint, old)

    log = _train(
        [epoch_runs['config'], '--work-dir',
         str(tmp_path), '--resume', old])
    assert log.count(NO_STATE_LINE) == 1
    assert 'resumed epoch: 2' in log
    assert osp.isfile(tmp_path / f'epoch_{EPOCHS}.pth')


def test_workers_started_every_epoch_resume_exactly(tmp_path):
    # mmengine seeds each worker from the seed, the rank and the worker id
    # when it starts; without persistent_workers that is every epoch, so a
    # resumed epoch's workers draw the augmentations they drew before.
    config = _epoch_config(str(tmp_path), epochs=2)
    workers = [
        '--cfg-options', 'train_dataloader.num_workers=1',
        'train_dataloader.persistent_workers=False'
    ]
    whole, killed = str(tmp_path / 'whole'), str(tmp_path / 'killed')
    _train([config, '--work-dir', whole, *workers])
    _train([
        config, '--work-dir', killed, *workers, '--custom-hooks',
        _sigkill_hook('train', epoch=2, batch=2)
    ], -signal.SIGKILL)
    _train([config, '--work-dir', killed, *workers, '--resume'])
    _assert_same_training_state(
        osp.join(killed, 'epoch_2.pth'), osp.join(whole, 'epoch_2.pth'))
