# Copyright (c) irg_mm contributors. All rights reserved.
"""``mim train irg_mm`` and ``mim test irg_mm`` (openmim), as a user runs them.

The ``mim`` beside this interpreter is the one the install put there:
irg_mm's (``irg_mm_mim.py``), openmim's command line finding packages also
in an editable install, which is what ``make test`` tests. It runs outside
the checkout and without ``PYTHONPATH``, so it reaches irg_mm only through
the install.
"""
import collections
import importlib.util
import json
import os
import os.path as osp
import sys

import pytest
from conftest import REPO_ROOT, run_command

import irg_mm_mim
from irg_mm.utils import load_scalars

MIM = osp.join(osp.dirname(sys.executable), 'mim')
CONFIG = 'digits/irg_resnet8-w8_resnet20_digits.py'
# 10% of the digits' training split is 125 images: 2 iterations of 64.
TWO_ITERATIONS = [
    'train_dataloader.dataset.train_fraction=0.1', 'train_cfg.max_epochs=1',
    'param_scheduler=[]', 'default_hooks.logger.interval=1'
]
# Not pytest.importorskip('mim'): it would also skip where openmim is
# installed but cannot import (setuptools >= 82 without pkg_resources),
# which is a failure to see.
requires_openmim = pytest.mark.skipif(
    importlib.util.find_spec('mim') is None,
    reason='openmim is not installed (requirements/pinned.txt installs it)')


def _mim(*args: str, cwd: str) -> str:
    """Run ``mim`` as a user's shell would; return its output."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('PYTHONPATH', None)
    return run_command([MIM, *args], env, cwd=cwd, tail=6000)


@requires_openmim
def test_mim_trains_and_tests_a_packaged_config(tmp_path, teacher_ckpt):
    work_dir = tmp_path / 'work'
    teacher = f'model.teacher_ckpt={teacher_ckpt}'
    _mim(
        'train',
        'irg_mm',
        f'irg_mm::{CONFIG}',
        '--work-dir',
        str(work_dir),
        '--cfg-options',
        teacher,
        *TWO_ITERATIONS,
        cwd=str(tmp_path))
    records = load_scalars(str(work_dir))
    assert len([r for r in records if 'distill.loss_irg_edge0' in r]) == 2
    final = [r for r in records if 'accuracy/top1' in r][-1]

    # A plain path this time; mim runs tools/test.py on the checkpoint.
    out = tmp_path / 'metrics.json'
    log = _mim(
        'test',
        'irg_mm',
        osp.join(REPO_ROOT, 'configs', CONFIG),
        '--checkpoint',
        str(work_dir / 'epoch_1.pth'),
        '--work-dir',
        str(tmp_path / 'test'),
        '--out',
        str(out),
        '--cfg-options',
        teacher,
        cwd=str(tmp_path))
    assert 'irg_mm/.mim/tools/test.py' in log
    metrics = json.loads(out.read_text())
    assert metrics['accuracy/top1'] == pytest.approx(final['accuracy/top1'])


def test_config_names_are_unique_in_the_package():
    # mim finds `irg_mm::dir/name.py` by searching irg_mm's folder (with
    # .mim/configs and .mim/tools) for name.py: one match or an error.
    found = collections.Counter()
    for folder in ('irg_mm', 'configs', 'tools'):
        for root, dirs, files in os.walk(osp.join(REPO_ROOT, folder)):
            dirs[:] = [d for d in dirs if d != '.mim']
            found.update(files)
    configs = [
        name for root, _, files in os.walk(osp.join(REPO_ROOT, 'configs'))
        if '_base_' not in root for name in files if name.endswith('.py')
    ]
    assert configs and [name for name in configs if found[name] > 1] == []


def test_editable_package_found_through_the_importer(tmp_path):
    # What openmim's own look-up returns for an editable install: the
    # distribution's location joined with the module name.
    missing = str(tmp_path / 'site-packages' / 'irg_mm')
    find = irg_mm_mim.find_editable(lambda package: missing)
    assert find('irg_mm') == osp.join(REPO_ROOT, 'irg_mm')
    find = irg_mm_mim.find_editable(lambda package: str(tmp_path))
    assert find('irg_mm') == str(tmp_path)


def test_mim_missing_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mim', None)
    with pytest.raises(SystemExit, match='^error: mim: openmim is not '):
        irg_mm_mim.main()


@requires_openmim
def test_setuptools_without_pkg_resources_is_one_line(monkeypatch):
    for name in [n for n in sys.modules if n.split('.')[0] == 'mim']:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, 'pkg_resources', None)
    with pytest.raises(SystemExit, match="setuptools>=77.0.3,<82'$"):
        irg_mm_mim.main()
