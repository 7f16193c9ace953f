# Copyright (c) irg_mm contributors. All rights reserved.
"""Run the GPU check's stages against one deadline; a failure is a result.

A stage is a function of the :class:`StageRunner`: it runs its commands
through :meth:`StageRunner.run_logged` and returns its findings, or raises
:class:`StageFailed`. Each command's output is kept in
``WORK_DIR/logs/<name>.log``.
"""
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

from .machine import first_visible_gpu

# Characters of a failed command's output that go into the report.
LOG_TAIL = 3000
# A stage is not started with less of the budget left than this.
MIN_STAGE_S = 10


class StageFailed(Exception):
    """A stage's check did not hold; the message says which."""


class StageResult(NamedTuple):
    """What one stage found.

    Args:
        name (str): The stage.
        verdict (str): ``'PASS'``, ``'FAIL'`` or ``'NOT RUN'``.
        seconds (float): How long it ran.
        findings (List[str]): One line each; a failure with its log tail.
        commands (List[str]): The commands it ran, shell-quoted.
        output (str): A command's output for the report verbatim (the
            benchmark's tables). Defaults to ''.
    """
    name: str
    verdict: str
    seconds: float
    findings: List[str]
    commands: List[str]
    output: str = ''


class StageRunner:
    """Run stages one after another, each command within the deadline.

    Commands run from the repository root with it on ``PYTHONPATH`` and
    ``CUDA_VISIBLE_DEVICES`` narrowed to the first visible GPU, so that the
    two ranks of the DDP stage share one GPU wherever the check runs.

    Args:
        repo_root (str): The checkout the commands run in.
        work_dir (str): Where runs and logs go (made absolute, since the
            commands run from ``repo_root``).
        deadline (float): The ``time.monotonic()`` by which every stage
            must be done.

    Examples:
        >>> import tempfile, time
        >>> with tempfile.TemporaryDirectory() as work_dir:
        ...     runner = StageRunner('.', work_dir, time.monotonic() + 60)
        ...     def echo(runner):
        ...         return [runner.run_logged('echo', ['echo', 'hi'], 5)]
        ...     result = runner.run_stage('echo', echo)
        >>> result.verdict, result.findings, result.commands
        ('PASS', ['hi\\n'], ['echo hi'])
    """

    def __init__(self, repo_root: str, work_dir: str, deadline: float) -> None:
        self.repo_root = repo_root
        self.work_dir = osp.abspath(work_dir)
        self.deadline = deadline
        self.env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                p for p in (repo_root, os.environ.get('PYTHONPATH')) if p),
            PYTHON=sys.executable,
            PYTHONUNBUFFERED='1',
            CUDA_VISIBLE_DEVICES=first_visible_gpu())
        self._commands: List[str] = []
        self._output = ''
        os.makedirs(osp.join(self.work_dir, 'logs'), exist_ok=True)

    def remaining(self) -> float:
        """Seconds left of the budget."""
        return self.deadline - time.monotonic()

    def run_logged(self,
                   name: str,
                   command: Sequence[str],
                   limit: float,
                   env: Optional[Dict[str, str]] = None,
                   quote_output: bool = False) -> str:
        """Run a command; log and return its stdout and stderr.

        Args:
            name (str): The log's name, ``WORK_DIR/logs/<name>.log``.
            command (Sequence[str]): The command, run from the repo root.
            limit (float): Seconds it may take (the deadline caps it).
            env (Dict[str, str], optional): Variables to add for it.
                Defaults to None.
            quote_output (bool): Put its output into the stage's result
                verbatim, for the report. Defaults to False.

        Returns:
            str: Its stdout followed by its stderr.

        Raises:
            StageFailed: If it exits non-zero or outlives its time; the
                message holds the tail of its output.
        """
        self._commands.append(shlex.join(command))
        timeout = max(min(limit, self.remaining()), 1)
        try:
            result = subprocess.run(
                command,
                cwd=self.repo_root,
                env=dict(self.env, **(env or {})),
                capture_output=True,
                text=True,
                timeout=timeout)
            output, code = result.stdout + result.stderr, result.returncode
        except subprocess.TimeoutExpired as error:
            output = ((error.stdout or b'').decode(errors='replace') +
                      (error.stderr or b'').decode(errors='replace'))
            code = f'timeout after {timeout:.0f} s'
        log = osp.join(self.work_dir, 'logs', f'{name}.log')
        with open(log, 'w', encoding='utf-8') as f:
            f.write(output)
        if code != 0:
            raise StageFailed(f'{name}: exit {code} (log {log}):\n'
                              f'{output[-LOG_TAIL:]}')
        if quote_output:
            self._output = output.strip()
        return output

    def run_stage(self, name: str, stage: Callable[['StageRunner'],
                                                   List[str]]) -> StageResult:
        """Run one stage and judge it.

        A failure, even an unexpected error, or a spent budget is reported,
        not raised: the report is the point, also of a broken stage.

        Args:
            name (str): The stage's name in the report.
            stage (Callable): Runs the stage on this runner and returns its
                findings.

        Returns:
            StageResult: Its verdict, findings and commands.
        """
        self._commands, self._output = [], ''
        if self.remaining() < MIN_STAGE_S:
            return StageResult(name, 'NOT RUN', 0,
                               ['the time budget was spent'], [])
        started = time.monotonic()
        try:
            findings, verdict = stage(self), 'PASS'
        except StageFailed as failure:
            findings, verdict = [str(failure)], 'FAIL'
        except Exception as error:  # e.g. no run folder, unreadable file
            findings, verdict = [f'{type(error).__name__}: {error}'], 'FAIL'
        return StageResult(name, verdict,
                           time.monotonic() - started, findings,
                           self._commands, self._output)
