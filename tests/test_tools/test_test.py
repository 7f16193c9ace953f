# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/test.py's command line."""
import os.path as osp
import runpy
import sys

import pytest
from conftest import REPO_ROOT

TOOL = osp.join(REPO_ROOT, 'tools', 'test.py')


def test_help_names_only_options_test_py_has(monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', [TOOL, '--help'])
    with pytest.raises(SystemExit):
        runpy.run_path(TOOL, run_name='__main__')
    text = capsys.readouterr().out
    assert '--channels-last' in text
    # --amp is tools/train.py's; test.py has no such option.
    assert '--amp' not in text
