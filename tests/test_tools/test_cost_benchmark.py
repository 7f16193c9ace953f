# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/analysis/cost_benchmark.py runs as a plain script and offers every
setting (tests/test_cost_benchmark tests what it runs)."""
import dataclasses

import pytest
import torch
from conftest import run_python

from irg_mm.cost_benchmark import SECTIONS, Settings


def test_tool_has_a_flag_for_every_setting():
    # main() fills every Settings field from the flag of the same name.
    usage = run_python(['tools/analysis/cost_benchmark.py', '--help']).stdout
    for field in dataclasses.fields(Settings):
        assert f'--{field.name.replace("_", "-")} ' in usage, field.name
    assert '{' + ','.join(SECTIONS) + '}' in usage


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='refuses CUDA only where it is absent')
def test_cuda_is_refused_in_one_line_where_there_is_none():
    result = run_python(
        ['tools/analysis/cost_benchmark.py', '--device', 'cuda'], check=False)
    assert result.returncode == 2
    error = result.stderr.strip().splitlines()[-1]
    assert error.endswith('--device cuda: torch.cuda.is_available() is '
                          'False on this machine; use --device cpu'), error
    assert 'Traceback' not in result.stderr
