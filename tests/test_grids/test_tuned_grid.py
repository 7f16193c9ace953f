# Copyright (c) irg_mm contributors. All rights reserved.
"""A tuned grid end to end on tiny Fashion-MNIST files: tuning without the
test split, a killed sweep resumed, the choice made on validation only."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from conftest import REPO_ROOT
from tiny_data import make_idx, tiny_fashion_options

RUNNER = 'tools/analysis/run_benchmark.py'
KD_LOSS = 'model.distiller.distill_losses.loss_kd'
T10K = ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')


def _write_spec(tmp_path) -> str:
    """A spec inheriting the shipped tuned one: the student alone and KD
    swept over two weights on one tuning seed, KD's config given as an
    ``irg_mm::`` name with a per-method option."""
    spec = tmp_path / 'spec.py'
    spec.write_text(f'''
_base_ = [{REPO_ROOT + '/configs/benchmarks/fashion_mnist_tuned.py'!r}]
work_dir = {str(tmp_path / 'work')!r}
log_dir = {str(tmp_path / 'logs')!r}
min_teacher_gap = None
seeds = [0]
tuning_seeds = [100]
grad_shares = dict(options=['train_cfg.max_epochs=1', 'param_scheduler=[]',
    "custom_hooks=[dict(type='GradientShareHook', interval=1)]"])
methods = dict(
    _delete_=True,
    student=_base_.methods.student,
    kd=dict(
        config='irg_mm::fashion_mnist/kd_resnet20-x0.25_resnet20_'
        'fashion-mnist.py',
        label='KD',
        cfg_options=['{KD_LOSS}.tau=2'],
        sweep=dict(default='w1', x='{KD_LOSS}.loss_weight', settings=dict(
            w1=['{KD_LOSS}.loss_weight=1'],
            w0=['{KD_LOSS}.loss_weight=0.0001']))))
comparisons = [('kd', 'student')]
''')
    return str(spec)


def _timestamps(folder) -> list:
    return sorted(d.name for d in folder.iterdir() if d.name[:8].isdigit())


def _record(folder) -> dict:
    return json.loads((folder / 'run.json').read_text())


def test_tuning_never_touches_the_test_split_and_resumes_after_a_kill(
        tmp_path, python_runner, tool_in_process):
    root = make_idx(str(tmp_path / 'idx'), train_per_class=3)
    spec = _write_spec(tmp_path)
    command = [
        RUNNER, spec, '--cfg-options',
        *tiny_fashion_options(root, val_interval=1)
    ]
    logs, work = tmp_path / 'logs', tmp_path / 'work'
    # The teacher and the student alone, tested on t10k.
    python_runner([*command[:2], '--methods', 'student', *command[2:]])
    assert (logs / 'student' / 'seed0' / 'test_metrics.json').exists()

    # From here on the test split's files are garbage (they still exist,
    # as the dataset checks): a run that reads them fails.
    for name in T10K:
        shutil.move(os.path.join(root, name), str(tmp_path / name))
        with open(os.path.join(root, name), 'wb') as f:
            f.write(b'not an IDX file')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    grid = subprocess.Popen([sys.executable, *command],
                            cwd=REPO_ROOT,
                            env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    first = logs / 'kd' / 'tune' / 'w1' / 'seed100'
    deadline = time.time() + 300
    while not (first / 'run.json').exists() and time.time() < deadline:
        time.sleep(0.2)
    grid.send_signal(signal.SIGKILL)
    grid.wait()
    assert (first / 'run.json').exists(), 'no tuning run finished'
    kept = _timestamps(work / 'kd' / 'tune' / 'w1' / 'seed100')

    stopped = python_runner(command, check=False)
    # Tuning finished without reading t10k; the first final run is the
    # first to read it, in its test.
    assert stopped.returncode == 1, stopped.stderr
    assert 'kd/seed0 FAILED (the grid stops)' in stopped.stdout
    assert (work / 'kd' / 'seed0' / 'epoch_2.pth').exists()
    assert _timestamps(work / 'kd' / 'tune' / 'w1' / 'seed100') == kept
    tuned = {}
    for setting in ('w1', 'w0'):
        folder = logs / 'kd' / 'tune' / setting / 'seed100'
        record = _record(folder)
        assert not record.get('failed')
        assert record['options'][0] == f'{KD_LOSS}.tau=2'
        assert not (folder / 'test_metrics.json').exists()
        log = (work / 'kd' / 'tune' / setting / 'seed100' /
               'runner.log').read_text()
        assert 'tools/test.py' not in log and 'test_dataloader=None' in log
        scalars = [
            json.loads(line)
            for line in (folder / 'scalars.json').read_text().splitlines()
        ]
        tuned[setting] = [
            r['accuracy/top1'] for r in scalars if 'accuracy/top1' in r
        ][-1]
    chosen = max(tuned, key=lambda s: (tuned[s], s == 'w1'))
    shares = json.loads(
        (logs / 'kd' / 'grad_share' / 'w1' / 'grad_shares.json').read_text())
    assert set(shares['terms']) == {'student.loss', 'distill.loss_kd'}

    for name in T10K:
        os.replace(str(tmp_path / name), os.path.join(root, name))
    python_runner(command)
    final = _record(logs / 'kd' / 'seed0')
    assert final['setting'] == chosen
    assert final['options'] == [
        f'{KD_LOSS}.tau=2', *([f'{KD_LOSS}.loss_weight=1'] if chosen == 'w1'
                              else [f'{KD_LOSS}.loss_weight=0.0001'])
    ]
    assert final['teacher_sha256'] == _record(logs /
                                              'teacher')['weights_sha256']

    table = tool_in_process(*command[:2], '--table-only', *command[2:])
    assert f'| KD | {chosen} | {tuned[chosen]:.2f} | {tuned[chosen]:.2f} ' \
        '| yes |' in table
    assert f'| KD [{chosen}] |' in table
    assert 'Final and ablation runs made on: ' in table
    for figure in ('results.png', 'tuning.png', 'curves.png'):
        assert (work / figure).stat().st_size > 0
