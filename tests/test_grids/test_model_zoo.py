# Copyright (c) irg_mm contributors. All rights reserved.
"""A grid's results as model-zoo README rows and metafile entries."""
import yaml
from mmengine.config import Config

from irg_mm.grids.model_zoo import (ZOO_HEAD, metafile_entries, metafile_top1,
                                    zoo_rows)
from irg_mm.grids.report import GridResults, RunResult


def _spec(**model_zoo) -> Config:
    return Config(
        dict(
            teacher=dict(config='configs/x/big.py', label='teacher'),
            baseline='student',
            model_zoo=dict(
                teacher='Big',
                student='Small',
                collection='IRG-X',
                dataset='X',
                **model_zoo),
            methods=dict(
                student=dict(config='configs/x/small.py', label='alone'),
                kd=dict(
                    config='configs/x/kd_small_big.py',
                    label='KD',
                    sweep=dict(default='t4', settings=dict(t4=[], t8=[]))),
                irg=dict(config='configs/x/irg_small_big.py', label='IRG'))))


def _results(choices=None) -> GridResults:
    finals = [
        RunResult(method, seed, 0.0, test, 1.0)
        for method, tests in (('student', (88.0, 89.0)), ('kd', (90.0, 90.5)))
        for seed, test in enumerate(tests)
    ]
    return GridResults(
        RunResult('teacher', 0, 0.0, 92.3, 1.0, 'teacher'),
        finals,
        choices=choices or {})


def test_rows_have_the_readme_columns_and_skip_what_did_not_run():
    rows = zoo_rows(_results(), _spec()).splitlines()
    # The student alone is a column, not a row; IRG has no final run yet.
    # KD - student: 2.0 and 1.5, sd 0.354, t(0.975, 1) = 12.706.
    assert rows == [
        '| KD | Big | Small | 90.25 +- 0.35 (2 seeds) | 92.30 | 88.50 +- 0.71 '
        '| +1.75 [-1.43, +4.93] | [config](./kd_small_big.py) |'
    ]
    assert rows[0].count('|') == ZOO_HEAD.count('|')


def test_a_tuned_row_names_its_setting_and_entries_take_the_suffix():
    spec = _spec(name_suffix='_tuned')
    assert zoo_rows(_results({'kd': 't8_w1'}),
                    spec).startswith('| KD [t8_w1] | Big |')
    assert metafile_top1(_results(), spec) == {
        'big_tuned': 92.3,
        'small_tuned': 88.5,
        'kd_small_big_tuned': 90.25
    }


def test_rows_can_link_the_configs_of_another_folder():
    spec = _spec(name_suffix='_tuned', configs='tuned')
    assert zoo_rows(
        _results(),
        spec).rstrip().endswith('[config](./tuned/kd_small_big_tuned.py) |')


def _entries(spec) -> dict:
    """``{Name: entry}`` of the metafile entries, read as YAML under
    ``Models:``."""
    models = yaml.safe_load('Models:\n' +
                            metafile_entries(_results(), spec))['Models']
    return {model.pop('Name'): model for model in models}


def test_metafile_entries_hold_each_model_measured_in_the_spec_order():
    entries = _entries(_spec(name_suffix='_tuned', configs='tuned'))
    # IRG has no final run, so no entry.
    assert list(entries) == ['big_tuned', 'small_tuned', 'kd_small_big_tuned']
    assert entries['kd_small_big_tuned'] == dict({
        'In Collection':
        'IRG-X',
        'Metadata': {
            'Training Data': 'X',
            'Seeds': 2
        },
        'Results': [{
            'Task': 'Image Classification',
            'Dataset': 'X',
            'Metrics': {
                'Top 1 Accuracy': 90.25
            }
        }],
        # The swept method's config at its chosen setting; the student alone
        # (no sweep) keeps its own.
        'Config':
        'configs/x/tuned/kd_small_big_tuned.py',
        'Weights':
        None
    })
    assert entries['small_tuned']['Config'] == 'configs/x/small.py'
    assert entries['big_tuned']['Metadata']['Seeds'] == '1 (seed 0)'
    assert entries['big_tuned']['Results'][0]['Metrics'] == {
        'Top 1 Accuracy': 92.3
    }
