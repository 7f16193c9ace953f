# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/analysis/cost_benchmark.py runs as a plain script and offers every
setting (tests/test_cost_benchmark tests what it runs)."""
import dataclasses
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT, run_python

from irg_mm.cost_benchmark import SECTIONS, Settings

TOOL = osp.join(REPO_ROOT, 'tools/analysis/cost_benchmark.py')


def test_tool_has_a_flag_for_every_setting():
    # main() fills every Settings field from the flag of the same name.
    usage = run_python([TOOL, '--help']).stdout
    for field in dataclasses.fields(Settings):
        assert f'--{field.name.replace("_", "-")} ' in usage, field.name
    assert '{' + ','.join(SECTIONS) + '}' in usage


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='refuses CUDA only where it is absent')
def test_cuda_is_refused_in_one_line_where_there_is_none(
        tool_in_process, capsys):
    # In this process: the plain-script run is the --help test's.
    with pytest.raises(SystemExit) as stopped:
        tool_in_process(TOOL, '--device', 'cuda')
    assert stopped.value.code == 2
    stderr = capsys.readouterr().err
    error = stderr.strip().splitlines()[-1]
    assert error.endswith('--device cuda: torch.cuda.is_available() is '
                          'False on this machine; use --device cpu'), error
    assert 'Traceback' not in stderr
