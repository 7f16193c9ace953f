# Copyright (c) irg_mm contributors. All rights reserved.
"""README's smoke recipe runs as written.

The commands are read from README.md (between ``<!-- smoke-recipe -->``
markers) and run as ``tools/train.py`` in this process, in a folder that
holds the repo's ``configs`` and ``tools`` the way the repo root does, with
one ``--cfg-options`` appended that shrinks the digits to a few images.
"""
import glob
import os
import os.path as osp
import re
import runpy
import shlex
import sys
from typing import List

import pytest
from conftest import REPO_ROOT

README = osp.join(REPO_ROOT, 'README.md')
RECIPE = re.compile(
    r'<!-- smoke-recipe -->\s*```bash\n(.*?)```\s*<!-- /smoke-recipe -->',
    re.S)
# Appended to every command: 2 batches of 8 training digits a epoch, 16
# validation digits.
TINY_DATA = [
    '--cfg-options', 'train_dataloader.dataset.train_fraction=0.013',
    'train_dataloader.batch_size=8', 'val_dataloader.dataset.indices=16'
]


def _readme() -> str:
    with open(README) as f:
        return f.read()


def recipe_commands(text: str) -> List[List[str]]:
    """The commands of the smoke recipe, each split as a shell does."""
    block = RECIPE.search(text)
    assert block, 'README.md has no <!-- smoke-recipe --> block'
    lines = block.group(1).replace('\\\n', ' ').splitlines()
    return [shlex.split(line) for line in lines if line.strip()]


def _train(argv: List[str], monkeypatch) -> None:
    """Run ``python tools/train.py ARGS`` in this process."""
    assert argv[:2] == ['python', 'tools/train.py'], argv
    monkeypatch.setattr(sys, 'argv', [*argv[1:], *TINY_DATA])
    runpy.run_path(argv[1], run_name='__main__')


@pytest.fixture
def repo_like_dir(tmp_path, monkeypatch) -> str:
    """An empty working directory where ``configs/`` and ``tools/`` are the
    repo's, so the recipe's work dirs land in it."""
    for name in ('configs', 'tools'):
        os.symlink(osp.join(REPO_ROOT, name), tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return str(tmp_path)


def test_smoke_recipe_trains_a_teacher_then_its_student(
        repo_like_dir, monkeypatch):
    teacher, student = recipe_commands(_readme())
    _train(teacher, monkeypatch)
    assert osp.isfile('work_dirs/smoke/teacher/epoch_2.pth')
    _train(student, monkeypatch)
    assert osp.isfile('work_dirs/smoke/irg/epoch_1.pth')
    scalars, = glob.glob('work_dirs/smoke/irg/*/vis_data/scalars.json')
    with open(scalars) as f:
        assert 'teacher.accuracy/top1' in f.read()


def test_one_epoch_without_constant_rate_stops_as_readme_says(
        repo_like_dir, monkeypatch):
    """README quotes the error of a 1-epoch run that keeps the warm-up."""
    text = _readme()
    _, student = recipe_commands(text)
    student.remove('param_scheduler=[]')
    with pytest.raises(SystemExit) as stopped:
        _train(student, monkeypatch)
    quoted = ' '.join(text.split())
    assert f'`{stopped.value.code}`' in quoted, stopped.value.code
