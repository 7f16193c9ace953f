# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/analysis/run_benchmark.py: the real specs on tiny data, resumed."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import yaml
from conftest import REPO_ROOT
from tiny_data import make_idx, tiny_fashion_options

from irg_mm.grids import load_spec
from irg_mm.grids.publish import block, part_text, published_blocks

RUNNER = 'tools/analysis/run_benchmark.py'
FASHION = f'{REPO_ROOT}/configs/benchmarks/fashion_mnist.py'
DIGITS = f'{REPO_ROOT}/configs/benchmarks/digits.py'

# The rows of a grid of the teacher, the student alone and L_IRG, by the
# spec's labels, and each run's folder.
RUN_LABELS = {
    'teacher ResNet-20 (32-64-128)': 'teacher',
    'student alone': 'student/seed0',
    'L_IRG (logits + edges)': 'irg/seed0',
}


def _table_rows(table: str) -> dict:
    """``{method label: [the other cells]}`` of the method table."""
    rows = {}
    for line in table.split('\n\n')[0].splitlines()[2:]:
        label, *cells = (cell.strip() for cell in line.strip('|').split('|'))
        rows[label] = cells
    return rows


def _logged_top1(folder) -> tuple:
    """The test top-1 of a run's test_metrics.json and its last validation
    top-1 in scalars.json."""
    test = json.loads((folder / 'test_metrics.json').read_text())
    records = [
        json.loads(line)
        for line in (folder / 'scalars.json').read_text().splitlines()
    ]
    val = [r['accuracy/top1'] for r in records if 'accuracy/top1' in r]
    return test['accuracy/top1'], val[-1]


def _timestamp_dirs(folder) -> list:
    return sorted(d.name for d in folder.iterdir() if d.name[:8].isdigit())


def _spec(tmp_path, base: str, **overrides) -> str:
    """A spec inheriting a shipped one, run in tmp_path."""
    lines = [
        f'_base_ = [{base!r}]', f"work_dir = {str(tmp_path / 'work')!r}",
        f"log_dir = {str(tmp_path / 'logs')!r}"
    ]
    lines += [f'{key} = {value!r}' for key, value in overrides.items()]
    path = tmp_path / f'spec_{len(list(tmp_path.iterdir()))}.py'
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_gap_rule_stops_before_distilling_and_the_rerun_redoes_nothing(
        tmp_path, python_runner, tool_in_process):
    root = make_idx(str(tmp_path / 'idx'), train_per_class=3)
    options = tiny_fashion_options(root)
    common = [
        '--methods', 'student', 'irg', '--seeds', '0', '--cfg-options',
        *options
    ]
    strict = _spec(tmp_path, FASHION, min_teacher_gap=100.0)
    stopped = python_runner([RUNNER, strict, *common], check=False)
    assert stopped.returncode == 1
    assert 'min_teacher_gap 100.0: nothing to distil' in stopped.stderr
    work, logs = tmp_path / 'work', tmp_path / 'logs'
    assert sorted(p.name for p in logs.iterdir()) == ['student', 'teacher']
    assert not (work / 'irg').exists()
    teacher_attempts = _timestamp_dirs(work / 'teacher')

    lenient = _spec(tmp_path, FASHION, min_teacher_gap=None)
    result = python_runner([RUNNER, lenient, *common])
    assert '1 of 2 runs already finished; training 1' in result.stdout
    assert _timestamp_dirs(work / 'teacher') == teacher_attempts
    # Every run was tested on the t10k split, the students with the
    # teacher this grid trained.
    runner_log = (work / 'irg' / 'seed0' / 'runner.log').read_text()
    assert f'model.teacher_ckpt={work}/teacher/epoch_2.pth' in runner_log
    assert 'tools/test.py' in runner_log
    # The table holds one row per run, with the figures each run logged.
    table = (work / 'results.md').read_text()
    assert '| method | test top-1 % | val top-1 % |' in table
    rows = _table_rows(table)
    test_top1 = {}
    for label, run in RUN_LABELS.items():
        test_top1[run], val_top1 = _logged_top1(logs / run)
        assert rows[label][:2] == [
            f'{test_top1[run]:.2f} +- 0.00', f'{val_top1:.2f} +- 0.00'
        ], label
    difference = test_top1['irg/seed0'] - test_top1['student/seed0']
    assert rows['L_IRG (logits + edges)'][2] == f'{difference:+.2f} (1 seed)'
    assert table in result.stdout

    # The table is computed from the log dir alone.
    (work / 'results.md').unlink()
    again = tool_in_process(RUNNER, lenient, *common, '--table-only')
    assert (work / 'results.md').read_text() == table
    assert 'training' not in again


def test_a_killed_grid_resumes_the_run_it_was_in(tmp_path):
    spec = _spec(tmp_path, DIGITS)
    command = [
        sys.executable,
        RUNNER,
        spec,
        '--methods',
        'baseline',
        '--seeds',
        '0',
        '--cfg-options',
        'train_cfg.max_epochs=3',
        'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1',
        # Keep epoch_1.pth, which the test waits for, after epoch_2 is saved.
        'default_hooks.checkpoint.max_keep_ckpts=-1',
        'train_dataloader.dataset.train_fraction=0.2'
    ]
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    run = tmp_path / 'work' / 'baseline' / 'seed0'
    grid = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (run / 'epoch_1.pth').exists() and time.time() < deadline:
        time.sleep(0.2)
    assert (run / 'epoch_1.pth').exists(), 'the student never checkpointed'
    grid.send_signal(signal.SIGKILL)
    grid.wait()
    # Its training process ends with it: no orphan keeps writing.
    time.sleep(3)
    checkpoints = sorted(p.name for p in run.glob('*.pth'))
    time.sleep(3)
    assert sorted(p.name for p in run.glob('*.pth')) == checkpoints
    assert 'epoch_3.pth' not in checkpoints
    teacher_attempts = _timestamp_dirs(tmp_path / 'work' / 'teacher')

    subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300)
    assert (run / 'epoch_3.pth').exists()
    assert _timestamp_dirs(tmp_path / 'work' / 'teacher') == teacher_attempts
    assert len(_timestamp_dirs(run)) == 2
    assert 'Resuming' in (run / 'runner.log').read_text() or \
        'resumed' in (run / 'runner.log').read_text().lower()
    scalars = (tmp_path / 'logs' / 'baseline' / 'seed0' / 'scalars.json')
    epochs = [
        json.loads(line)['step'] for line in scalars.read_text().splitlines()
        if 'accuracy/top1' in line
    ]
    assert epochs[-1] == 3


def _read(path: str) -> str:
    with open(f'{REPO_ROOT}/{path}', encoding='utf-8') as f:
        return f.read()


# The shipped specs, with the files each publishes into (README, docs, the
# model zoo) from its committed logs.
SPECS = sorted(
    osp.splitext(name)[0]
    for name in os.listdir(f'{REPO_ROOT}/configs/benchmarks'))
PUBLISHED = {
    spec:
    published_blocks(
        load_spec(f'{REPO_ROOT}/configs/benchmarks/'
                  f'{spec}.py'))
    for spec in SPECS
}


def _metafiles() -> dict:
    """Each metafile the specs publish into, with the specs whose entries
    it holds."""
    metafiles = {}
    for spec, blocks in PUBLISHED.items():
        for (path, _), part in blocks.items():
            if part == 'metafile':
                metafiles.setdefault(path, []).append(spec)
    return metafiles


METAFILES = _metafiles()


def _measured(tool_in_process, spec: str, out) -> dict:
    """``metafile_top1`` of a spec's ``--table-only`` run from the committed
    logs, its tables left in ``out``."""
    tool_in_process(RUNNER, f'configs/benchmarks/{spec}.py', '--table-only',
                    '--work-dir', str(out))
    return json.loads((out / 'results.json').read_text())['metafile_top1']


@pytest.mark.parametrize('metafile', sorted(METAFILES))
def test_a_metafile_holds_exactly_the_models_its_grids_measured(
        tmp_path, tool_in_process, metafile):
    measured = {}
    for spec in METAFILES[metafile]:
        measured.update(_measured(tool_in_process, spec, tmp_path / spec))
    models = yaml.safe_load(_read(metafile))['Models']
    assert {
        model['Name']: model['Results'][0]['Metrics']['Top 1 Accuracy']
        for model in models
    } == measured


def test_every_shipped_spec_publishes_its_tables():
    assert SPECS == ['digits', 'fashion_mnist', 'fashion_mnist_tuned']
    assert all(PUBLISHED[spec] for spec in SPECS)


@pytest.mark.parametrize('spec', SPECS)
def test_published_blocks_are_what_the_committed_logs_give(
        tmp_path, tool_in_process, spec):
    _measured(tool_in_process, spec, tmp_path)
    fix = f'run {RUNNER} configs/benchmarks/{spec}.py --table-only --publish'
    for (path, tag), part in PUBLISHED[spec].items():
        shown = block(_read(path), tag, path)
        assert shown == part_text(part, str(tmp_path)), f'{path} {tag}: {fix}'


def test_publish_refuses_to_show_part_of_a_grid(tool_in_process, capsys):
    with pytest.raises(SystemExit) as stop:
        tool_in_process(RUNNER, 'configs/benchmarks/digits.py', '--table-only',
                        '--publish', '--methods', 'kd', '--log-dir',
                        'elsewhere')
    assert stop.value.code == 2
    assert ("--publish shows the whole grid from the spec's log_dir; drop "
            '--log-dir --methods') in capsys.readouterr().err
