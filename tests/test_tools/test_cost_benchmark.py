# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/analysis/cost_benchmark.py runs as a plain script and offers every
setting (tests/test_cost_benchmark tests what it runs)."""
import dataclasses

from conftest import run_python

from irg_mm.cost_benchmark import SECTIONS, Settings


def test_tool_has_a_flag_for_every_setting():
    # main() fills every Settings field from the flag of the same name.
    usage = run_python(['tools/analysis/cost_benchmark.py', '--help']).stdout
    for field in dataclasses.fields(Settings):
        assert f'--{field.name.replace("_", "-")} ' in usage, field.name
    assert '{' + ','.join(SECTIONS) + '}' in usage
