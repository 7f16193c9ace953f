# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/gpu_check.sh without CUDA: one line, status 2, nothing written.

Its stages are tested in tests/test_gpu_check, its install step in
test_install_missing.py.
"""
import os
import subprocess
import sys

from conftest import REPO_ROOT

from irg_mm.gpu_check import STAGES


def test_without_cuda_one_line_and_exit_2(tmp_path):
    # An empty CUDA_VISIBLE_DEVICES hides every GPU, so this holds anywhere;
    # naming every stage of the package shows the command line offers each.
    command = [
        'bash', 'tools/gpu_check.sh', '--work-dir',
        str(tmp_path / 'check'), '--stages', *STAGES
    ]
    result = subprocess.run(
        command,
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
