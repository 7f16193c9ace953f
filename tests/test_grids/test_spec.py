# Copyright (c) irg_mm contributors. All rights reserved.
"""Grid specs: the shipped ones pass, a bad one stops before any run with
its key named."""
import os.path as osp

import pytest
from conftest import REPO_ROOT

from irg_mm.grids import GridSpecError, check_spec, load_spec
from irg_mm.grids.grid_runner import GridRunner

TUNED = f'{REPO_ROOT}/configs/benchmarks/fashion_mnist_tuned.py'
KD = 'model.distiller.distill_losses.loss_kd'


def _spec(tmp_path, text: str) -> str:
    path = tmp_path / 'spec.py'
    path.write_text(f'_base_ = [{TUNED!r}]\n{text}\n')
    return str(path)


@pytest.mark.parametrize('name',
                         ['digits', 'fashion_mnist', 'fashion_mnist_tuned'])
def test_shipped_specs_pass(name):
    check_spec(
        load_spec(f'{REPO_ROOT}/configs/benchmarks/{name}.py'), REPO_ROOT)


def test_the_tuned_plan_waits_for_choices_in_order():
    runner = GridRunner(load_spec(TUNED), REPO_ROOT)
    plan = runner.plan({})
    ready = {(run.method, run.kind) for run, can_start in plan if can_start}
    # Four sweeps start at once; the two 'after' sweeps, the finals but
    # the baseline's and the ablation wait.
    assert {m
            for m, kind in ready
            if kind == 'tune'} == {'kd', 'rkd', 'irg', 'logits'}
    assert {m for m, kind in ready if kind == 'final'} == {'student'}
    choices = dict(kd='t4_w3', irg='e1.6_v0.1', rkd='x1', logits='v0.1')
    mtk = [
        r for r, ok in runner.plan(choices)
        if r.method == 'mtk' and r.kind == 'tune' and ok
    ]
    assert len(mtk) == 12
    assert mtk[0].options[:2] == ('model.distiller.edges.loss_weight=1.6',
                                  'model.distiller.vertex.loss_weight=0.1')


@pytest.mark.parametrize('text, message', [
    ("methods = dict(kd=dict(sweep=dict(settings=dict(w9=["
     f"'{KD}s.loss_kd.tau=3']))))",
     "methods.kd.sweep.settings.w9: 'model.distiller.distill_losses.loss_"
     "kds.loss_kd.tau=3': model.distiller.distill_losses.loss_kds is not in "
     "the config; did you mean 'loss_kd'?"),
    ("methods = dict(mtk=dict(sweep=dict(after='irgg')))",
     "methods.mtk.sweep.after: 'irgg' is not a swept method of the spec; "
     "did you mean 'irg'?"),
    ('tuning_seeds = [0, 100]', 'tuning_seeds: [0] are also final seeds'),
    ("methods = dict(kd=dict(sweep=dict(default='t4_w2')))",
     "methods.kd.sweep.default: 't4_w2' is not one of its settings"),
    ("methods = dict(kd=dict(sweep=dict(settings=dict(w9='KD=1'))))",
     'methods.kd.sweep.settings.w9: expected a list of'),
    ("methods = dict(kd=dict(sweep=dict(settings=dict(w9=["
     f"'{KD}.tau=3']))))",
     f'methods.kd.sweep.settings.w9: sets no {KD}.loss_weight'),
    ("ablations = dict(no_vertex=dict(options=['model.distiler.vertex=None'"
     ']))', "ablations.no_vertex.options: 'model.distiler.vertex=None': "
     'model.distiler is not in the config'),
    ("methods = dict(kd=dict(cfg_options=['model.distiller.losses.x=1']))",
     'methods.kd.cfg_options: '),
])
def test_a_bad_spec_names_its_key(tmp_path, text, message):
    with pytest.raises(GridSpecError) as error:
        check_spec(load_spec(_spec(tmp_path, text)), REPO_ROOT)
    assert str(error.value).startswith(message)


def test_the_command_line_picks_known_methods_only(tmp_path):
    with pytest.raises(GridSpecError, match=r"--methods \['kdd'\] not in"):
        load_spec(TUNED, methods=['kdd'])


def test_the_sweep_example_in_the_docs_is_a_valid_spec(tmp_path):
    with open(f'{REPO_ROOT}/docs/configs.md', encoding='utf-8') as f:
        text = f.read()
    example = text.split('```python\n# my_grid.py\n')[1].split('```')[0]
    path = tmp_path / 'my_grid.py'
    path.write_text(example)
    spec = load_spec(str(path), methods=['student', 'irg'])
    check_spec(spec, REPO_ROOT)
    assert spec.log_dir == osp.abspath('work_dirs/my_grid/logs')
    assert not spec.publish
    assert list(spec.methods.irg.sweep.settings) == [
        'e0.05', 'e0.16', 'e0.5', 'e1.6', 'e5.0'
    ]
