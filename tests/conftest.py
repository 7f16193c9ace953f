# Copyright (c) irg_mm contributors. All rights reserved.
"""Fixtures shared by the whole suite."""
import contextlib
import os
import os.path as osp
import runpy
import subprocess
import sys
from typing import List

import pytest

import irg_mm  # noqa: F401  (compat fixes before any MMRazor import)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _share_the_cores_between_workers() -> None:
    """Give each pytest-xdist worker its share of the cores: torch's default
    of one thread per core in every worker would oversubscribe them, and
    OpenMP threads that spin on a busy core slow every worker down."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    if workers > 1:
        import torch
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


_share_the_cores_between_workers()


def run_python(args: List[str],
               timeout: float = 600,
               check: bool = True,
               **kwargs) -> subprocess.CompletedProcess:
    """Run this interpreter in the repo root and return its output."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1')
    result = subprocess.run([sys.executable, *args],
                            cwd=REPO_ROOT,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=timeout,
                            **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f'{args} failed ({result.returncode}):\n'
            f'{result.stdout[-3000:]}\n{result.stderr[-6000:]}')
    return result


def run_command(command: List[str],
                env: dict,
                cwd: str = REPO_ROOT,
                tail: int = 4000) -> str:
    """Run ``command`` (a tool as a user's shell would) and return its
    stdout and stderr; fail with their last ``tail`` characters if it
    exits non-zero."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-tail:]
    return log


@contextlib.contextmanager
def forgetting_new_default_scopes():
    """Forget the default scopes created inside the block (every Runner, and
    ``init_default_scope``, makes one).

    mmengine's latest ``DefaultScope`` decides which registry an unscoped
    ``type`` is looked up in, so a scope left behind would change how later
    tests, and the package's doctests, build their models.
    """
    from mmengine.registry import DefaultScope
    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        del DefaultScope._instance_dict[name]


@pytest.fixture(autouse=True)
def restore_default_scope():
    """Forget the default scopes a test created."""
    with forgetting_new_default_scopes():
        yield


@pytest.fixture(autouse=True, scope='module')
def restore_default_scope_of_module():
    """Forget the default scopes a module-scoped fixture created; autouse
    makes this fixture start before the module's other fixtures."""
    with forgetting_new_default_scopes():
        yield


@pytest.fixture
def python_runner():
    """The :func:`run_python` helper, for tests that start subprocesses."""
    return run_python


@pytest.fixture
def tool_in_process(monkeypatch, capsys):
    """Run a tool as ``python TOOL ARGS`` from the checkout would, but in
    this process, and return what it printed: for checks of a tool's output
    that do not need a process of their own (a subprocess spends seconds
    importing irg_mm again)."""

    def run(tool: str, *args: str) -> str:
        monkeypatch.chdir(REPO_ROOT)
        monkeypatch.setattr(sys, 'argv', [tool, *args])
        capsys.readouterr()
        runpy.run_path(tool, run_name='__main__')
        return capsys.readouterr().out

    return run


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def teacher_ckpt(tmp_path_factory) -> str:
    """The digits configs' ResNet-20 teacher with random weights, saved as
    a local checkpoint: for runs whose checks do not depend on what the
    teacher knows (loaded through the real checkpoint path). A test module
    that needs a trained teacher overrides it."""
    import torch
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'digits',
                 'irg_resnet8-w8_resnet20_digits.py'))
    teacher = MODELS.build(cfg.model.teacher)
    path = str(tmp_path_factory.mktemp('teacher') / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path
