# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/gpu_check.sh: one line and a non-zero exit without CUDA, and its
parts that need no GPU (what to install, how stages are judged)."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

import pytest
from conftest import REPO_ROOT
from packaging.requirements import Requirement

ANALYSIS = osp.join(REPO_ROOT, 'tools', 'analysis')


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ANALYSIS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def gpu_check():
    return _load('gpu_check')


@pytest.fixture
def install(monkeypatch):
    """install_missing over a fake set of installed distributions."""
    module = _load('install_missing')
    installed: Dict[str, tuple] = {}  # name -> (version, requires)

    def version(name: str) -> str:
        if name not in installed:
            raise module.metadata.PackageNotFoundError(name)
        return installed[name][0]

    def requires(name: str) -> Optional[List[str]]:
        version(name)
        return installed[name][1]

    monkeypatch.setattr(module.metadata, 'version', version)
    monkeypatch.setattr(module.metadata, 'requires', requires)
    module.fake_installed = installed
    return module


def test_without_cuda_one_line_and_exit_2(tmp_path):
    # An empty CUDA_VISIBLE_DEVICES hides every GPU, so this holds anywhere.
    result = subprocess.run(
        ['bash', 'tools/gpu_check.sh', '--work-dir',
         str(tmp_path / 'check')],
        cwd=REPO_ROOT,
        env=dict(os.environ, CUDA_VISIBLE_DEVICES='', PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=300)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, output
    assert output.startswith('gpu_check: no CUDA GPU here (torch ')
    assert len(output.splitlines()) == 1, output
    assert not (tmp_path / 'check').exists()  # nothing ran, nothing written


def test_unmet_walks_dependencies_and_accepts_providers(install):
    install.fake_installed.update({
        'mmcv-lite': ('2.1.0', ['opencv-python>=3', 'addict']),
        'opencv-python-headless': ('4.9.0', None),
        'mmengine': ('0.10.5', None),
        'torch': ('2.11.0+cu130', ['nvidia-cublas; sys_platform == "linux"']),
        'pytest': ('8.0', ['colorama; extra == "dev"']),
    })
    unmet = install.unmet_requirements([
        Requirement(r) for r in ('mmcv>=2.0.0,<=2.1.0', 'torch>=2.1',
                                 'mmengine>=0.10.7', 'pytest', 'mmrazor')
    ])
    # mmcv-lite provides mmcv, the headless build opencv-python; torch's own
    # dependencies and pytest's extras are not followed.
    assert [str(r) for r in unmet] == ['mmengine>=0.10.7', 'mmrazor', 'addict']


def test_specs_pin_all_but_the_torch_family(install):
    unmet = [Requirement(r) for r in ('torchvision', 'mmcv<=2.1.0', 'addict')]
    pinned = [
        Requirement(r) for r in ('torchvision==0.29.1', 'mmcv-lite==2.1.0')
    ]
    assert install.install_specs(unmet, pinned) == dict(
        resolve=['torchvision'], no_deps=['mmcv-lite==2.1.0', 'addict'])


def test_install_runs_rounds_until_met(install, tmp_path, monkeypatch):
    requirements = tmp_path / 'requirements'
    requirements.mkdir()
    (requirements /
     'mminstall.txt').write_text('torch>=2.1\ntorchvision\nmmrazor\n')
    (requirements / 'runtime.txt').write_text('# comment only\n')
    (requirements / 'tests.txt').write_text('')
    (requirements / 'pinned.txt').write_text('mmrazor==1.0.0\n')
    install.fake_installed['torch'] = ('2.11.0', None)
    calls = []

    def fake_pip(specs, options, pip_args):
        calls.append((specs, options[0], pip_args))
        if options[0] == '-c':  # torchvision: resolved, torch held
            with open(options[1]) as f:
                assert f.read() == 'torch==2.11.0\n'
        for spec in specs:
            name = Requirement(spec).name
            # mmrazor arrives without its dependency, found next round.
            install.fake_installed[name] = ('1.0.0', ['ordered-set']
                                            if name == 'mmrazor' else None)

    monkeypatch.setattr(install, '_pip_install', fake_pip)
    assert install.install_missing(['--no-index'], str(tmp_path)) == [
        'torchvision', 'mmrazor==1.0.0', 'ordered-set'
    ]
    assert calls == [(['torchvision'], '-c', ['--no-index']),
                     (['mmrazor==1.0.0'], '--no-deps', ['--no-index']),
                     (['ordered-set'], '--no-deps', ['--no-index'])]


def test_install_needs_torch_first(install):
    with pytest.raises(RuntimeError, match='torch is not installed'):
        install.install_missing()


def test_stage_failures_and_a_spent_budget_are_reported(gpu_check, tmp_path):
    args = gpu_check.parse_args(['--work-dir', str(tmp_path)])
    check = gpu_check.GPUCheck(args)

    def failing_stage():
        check.run_logged('probe', [sys.executable, '-c', 'exit(3)'], 10)

    check.stage_tests = failing_stage
    result = check.run_stage('tests')
    assert result.verdict == 'FAIL'
    assert result.findings[0].startswith('probe: exit 3 (log ')
    assert result.commands == [f'{sys.executable} -c \'exit(3)\'']
    check.deadline = 0
    assert check.run_stage('amp') == gpu_check.StageResult(
        'amp', 'NOT RUN', 0, ['the time budget was spent'], [])


def test_require_and_pytest_summary(gpu_check):
    log = 'x\nirg_mm: process group on nccl (one GPU per rank), world size 1'
    assert gpu_check.require(log, r'process group on nccl .*', 'nccl') == (
        'nccl: `process group on nccl (one GPU per rank), world size 1`')
    with pytest.raises(gpu_check.StageFailed, match='gloo: no line'):
        gpu_check.require(log, r'on gloo', 'gloo')
    assert gpu_check.pytest_summary(
        '...\n=== 30 passed, 4 xfailed in 9.1s ===\n') == (
            '30 passed, 4 xfailed in 9.1s')


def test_finite_losses_reads_the_latest_run(gpu_check, tmp_path):
    run = tmp_path / '20261202_000000' / 'vis_data'
    run.mkdir(parents=True)
    records = [
        dict(loss=1.0, epoch=1, iter=1, **{'distill.loss_irg_edge0': 0.5}),
        dict(loss=0.5, epoch=2, iter=2, **{'distill.loss_irg_edge0': 0.25}),
    ]
    (run / 'scalars.json').write_text('\n'.join(map(json.dumps, records)))
    assert gpu_check.finite_losses(
        str(tmp_path), after_epoch=1) == [
            f'{tmp_path.name}: 1 iterations logged (epochs 2-2), every loss '
            'finite; last: loss 0.5, distill.loss_irg_edge0 0.25'
        ]
    records[1]['distill.loss_irg_edge0'] = float('nan')
    (run / 'scalars.json').write_text('\n'.join(map(json.dumps, records)))
    with pytest.raises(gpu_check.StageFailed, match='non-finite losses'):
        gpu_check.finite_losses(str(tmp_path))


def test_benchmark_refuses_cuda_where_there_is_none(monkeypatch, capsys):
    benchmark = _load('benchmark')
    monkeypatch.setattr(benchmark.torch.cuda, 'is_available', lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        benchmark.parse_args(['--device', 'cuda'])
    assert exit_info.value.code == 2
    assert ('--device cuda: torch.cuda.is_available() is False'
            in capsys.readouterr().err)


def test_report_holds_verdicts_findings_failures_and_tables(
        gpu_check, monkeypatch):
    monkeypatch.setattr(gpu_check, 'machine_rows', lambda: ['| GPU | X |'])
    monkeypatch.setattr(gpu_check, 'git_commit', lambda: 'abc1234')
    result = gpu_check.StageResult
    report = gpu_check.render_report([
        result('tests', 'PASS', 12.3, ['30 passed in 9.0s'], ['pytest']),
        result('ddp', 'FAIL', 5, ['ddp_gloo: exit 1 (log L):\nTraceback'], []),
        result('benchmark', 'PASS', 99.6, ['B=32: target met'], ['bench'],
               '| table |'),
    ], ['mmrazor==1.0.0'], 130, 480)
    assert 'commit abc1234, in 130 s (budget 480 s)' in report
    assert '| GPU | X |' in report
    assert 'Installed by the check: mmrazor==1.0.0.' in report
    assert '| tests | PASS | 12 |\n| ddp | FAIL | 5 |\n' in report
    assert '## tests: PASS\n\n- 30 passed in 9.0s\n' in report
    assert '```\nddp_gloo: exit 1 (log L):\nTraceback\n```' in report
    assert '- B=32: target met\n\n```\n| table |\n```' in report
