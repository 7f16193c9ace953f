# Copyright (c) irg_mm contributors. All rights reserved.
"""GridRunner's bookkeeping without training: which runs count as finished,
a run another runner holds, a final run begun with another teacher."""
import json
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from irg_mm.grids.grid_runner import GRID_LOCK, GridRunner
from irg_mm.grids.spec import (chosen_options, final_runs, load_spec,
                               teacher_run, tuning_runs)
from irg_mm.launch.work_dir_lock import lock_work_dir

TUNED = f'{REPO_ROOT}/configs/benchmarks/fashion_mnist_tuned.py'


@pytest.fixture
def runner(tmp_path) -> GridRunner:
    spec = load_spec(
        TUNED, work_dir=str(tmp_path / 'work'), log_dir=str(tmp_path / 'logs'))
    return GridRunner(spec, REPO_ROOT, write=lambda line: None)


def _record(runner, run, **fields) -> None:
    folder = Path(runner.log_folder(run))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'scalars.json'
     ).write_text(json.dumps({
         'accuracy/top1': 50.0,
         'step': 15
     }) + '\n')
    (folder / 'run.json').write_text(json.dumps(fields))


def test_finals_count_with_the_current_teacher_file_only(runner):
    _record(runner, teacher_run(runner.spec), weights_sha256='new')
    final = final_runs(runner.spec, 'student')[0]
    tune = tuning_runs(runner.spec, 'kd')[0]
    _record(runner, final, options=[], teacher_sha256='old')
    _record(runner, tune, options=list(tune.options), teacher_sha256='old')
    # Distilled from another teacher file: a final run is trained again,
    # a tuning run (which only chooses) is kept.
    assert not runner.is_finished(final)
    assert runner.is_finished(tune)
    assert runner.results().stale == 1
    _record(runner, final, options=[], teacher_sha256='new')
    assert runner.is_finished(final)
    # Made with other options (e.g. before a choice changed): not this run.
    _record(runner, tune, options=['x=1'], teacher_sha256='new')
    assert not runner.is_finished(tune)


def test_results_count_the_runs_each_cpu_made_by_kind(runner):
    _record(runner, teacher_run(runner.spec), weights_sha256='t')
    final = final_runs(runner.spec, 'student')[0]
    _record(runner, final, options=[], teacher_sha256='t', machine='Intel')
    for run, cpu in zip(
            tuning_runs(runner.spec, 'kd'), ('AMD', 'AMD', 'Intel')):
        _record(runner, run, options=list(run.options), machine=cpu)
    results = runner.results()
    assert results.machines == {'Intel': 1}
    assert results.tuning_machines == {'AMD': 2, 'Intel': 1}


def test_a_method_s_finals_wait_for_its_own_choice_only(runner):
    _record(runner, teacher_run(runner.spec), weights_sha256='t')
    for run in tuning_runs(runner.spec, 'kd'):
        _record(runner, run, options=list(run.options))
    choices = runner.choices()
    assert list(choices) == ['kd']
    ready = {(r.method, r.kind): ok for r, ok in runner.plan(choices)}
    assert ready['kd', 'final'] and ready['student', 'final']
    assert ready['irg_kd', 'tune']  # its sweep comes after KD's
    assert not ready['irg', 'final'] and not ready['irg_kd', 'final']
    assert not ready['no_vertex', 'ablation']  # a variant of L_MTK
    kd_final = final_runs(runner.spec, 'kd', choices['kd'],
                          chosen_options(runner.spec, 'kd', choices))[0]
    _record(
        runner, kd_final, options=list(kd_final.options), teacher_sha256='t')
    assert [r.method for r in runner.results().finals] == ['kd']


def test_a_run_another_runner_holds_is_left_to_it(runner):
    run = tuning_runs(runner.spec, 'kd')[0]
    held = lock_work_dir(runner.work_dir(run), GRID_LOCK)
    try:
        assert runner.train_and_test(run, threads=1) is False
    finally:
        held.close()
    assert not (Path(runner.work_dir(run)) / 'runner.log').exists()


def test_a_final_run_begun_with_another_teacher_starts_again(runner, tmp_path):
    _record(runner, teacher_run(runner.spec), weights_sha256='new')
    run = final_runs(runner.spec, 'kd')[0]
    work = tmp_path / 'work' / run.name
    work.mkdir(parents=True)
    (work / 'teacher.sha256').write_text('old')
    (work / 'epoch_5.pth').write_text('a checkpoint of the old teacher')
    (work / 'old_attempt').mkdir()
    runner._start_clean(run, str(work))
    assert sorted(p.name for p in work.iterdir()) == ['teacher.sha256']
    assert (work / 'teacher.sha256').read_text() == 'new'
    (work / 'epoch_5.pth').write_text('a checkpoint of this teacher')
    runner._start_clean(run, str(work))
    assert (work / 'epoch_5.pth').exists()
