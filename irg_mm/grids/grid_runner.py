# Copyright (c) irg_mm contributors. All rights reserved.
"""Train a grid of methods over seeds, with sweeps, exactly as users run.

Every run is ``tools/train.py`` on its config (then ``tools/test.py`` on the
test split where the run is tested), in a subprocess of its own. The order:

1. the teacher (trained again when its checkpoint is missing, e.g. in a
   fresh clone: its logs then record the new file's fingerprint);
2. the baseline's final seeds, then the spec's gap rule;
3. the tuning runs of every sweep (a sweep ``after`` another method starts
   once that method's setting is chosen), trained without any test split;
4. the final runs at the chosen settings, then the ablation variants, each
   method's as soon as its own setting is chosen (while a sweep waits for
   another's choice, they keep the cores busy).

The grid resumes: a finished run (its ``run.json`` in the log dir) is never
redone, an unfinished one continues from its last checkpoint. A final or
ablation run counts only when it was distilled from the current teacher
file with the current chosen options; any other is trained again. A second
runner on the same spec does no harm: each run's work dir is locked by
``tools/train.py``, and a runner skips a run another one holds.
"""
import os
import os.path as osp
import shutil
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import (FIRST_COMPLETED, Future, ThreadPoolExecutor,
                                wait)
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
from mmengine.config import Config

from irg_mm.errors import WorkDirBusyError
from irg_mm.launch import load_config
from irg_mm.launch.work_dir_lock import lock_work_dir
from irg_mm.utils.cli_literals import parse_cfg_options
from irg_mm.utils.process_lifetime import end_with_parent
from .progress import GridProgress, log_tail
from .report import GridResults, RunResult
from .run_records import (code_version, machine, read_grad_shares, read_record,
                          read_result, read_scalars, weights_sha256,
                          write_failure, write_record)
from .selection import choose_setting
from .spec import (Run, ablation_runs, chosen_options, config_path, final_runs,
                   grad_share_runs, teacher_run, tuning_runs)

# A tuning run has no test split at all, so no choice can read it.
WITHOUT_TEST = ('test_dataloader=None', 'test_evaluator=None', 'test_cfg=None')
TESTED_KINDS = ('teacher', 'final', 'ablation')
# Runs kept whichever teacher file distilled them: they choose or explain
# settings, and pair with nothing.
ANY_TEACHER_KINDS = ('tune', 'grad_share')
# Held by a runner around a run's tools; tools/train.py holds its own.
GRID_LOCK = '.irg_mm_grid.lock'


class RunFailed(RuntimeError):
    """A tool of one run exited with an error."""

    def __init__(self, run: Run, log_path: str, returncode: int) -> None:
        super().__init__(f'{run.name} failed (exit {returncode}); see '
                         f'{log_path}')
        self.run = run
        self.log_path = log_path


class GridRunner:
    """Train what a grid spec asks for and read back what it gave.

    Args:
        spec (Config): A spec from :func:`irg_mm.grids.spec.load_spec`,
            checked with :func:`irg_mm.grids.spec.check_spec`.
        root (str): The repository the tools and relative configs live in.
        jobs (int): Student runs trained at once. Defaults to 2.
        write (Callable[[str], None], optional): Where progress lines go.
            Defaults to ``print``.

    Examples:
        >>> from irg_mm.grids.spec import load_spec
        >>> spec = load_spec('configs/benchmarks/fashion_mnist.py')
        >>> runner = GridRunner(spec, '.')
        >>> runner.results().finals[0].method
        'student'
    """

    def __init__(self,
                 spec: Config,
                 root: str,
                 jobs: int = 2,
                 write: Optional[Callable[[str], None]] = None) -> None:
        self.spec = spec
        self.root = osp.abspath(root)
        self.jobs = jobs
        self.write = write or (lambda line: print(line, flush=True))
        self.processes: Dict[str, subprocess.Popen] = {}
        self.lock = threading.Lock()
        # Runs started by this runner, or found held by another one: never
        # started twice by one invocation.
        self.attempted = set()

    # Where a run lives.
    def work_dir(self, run: Run) -> str:
        return osp.join(self.spec.work_dir, run.name)

    def log_folder(self, run: Run) -> str:
        return osp.join(self.spec.log_dir, run.name)

    def final_checkpoint(self, run: Run) -> str:
        """The checkpoint the run's schedule ends with."""
        cfg = load_config(config_path(run.config, self.root))
        cfg.merge_from_dict(
            parse_cfg_options([*self.spec.cfg_options, *run.options]))
        train_cfg = cfg.train_cfg
        name = (f'epoch_{train_cfg.max_epochs}.pth' if train_cfg.get(
            'by_epoch', True) else f'iter_{train_cfg.max_iters}.pth')
        return osp.join(self.work_dir(run), name)

    # What the log dir says.
    def teacher_sha256(self) -> Optional[str]:
        """The fingerprint of the teacher file the log dir's teacher run
        recorded (None for logs that predate fingerprints)."""
        record = read_record(self.log_folder(teacher_run(self.spec)))
        return record and record.get('weights_sha256')

    def is_finished(self, run: Run) -> bool:
        """Whether the log dir holds the run, made as it is asked now."""
        record = read_record(self.log_folder(run))
        if record is None or run.kind == 'teacher':
            return record is not None
        if record.get('options', []) != list(run.options):
            return False
        return run.kind in ANY_TEACHER_KINDS or \
            record.get('teacher_sha256') == self.teacher_sha256()

    def choices(self) -> Dict[str, str]:
        """The chosen setting of every sweep whose tuning has finished."""
        spec, choices = self.spec, {}
        swept = [m for m, e in spec.methods.items() if 'sweep' in e]
        while True:
            before = len(choices)
            for method in swept:
                after = spec.methods[method].sweep.get('after')
                if method in choices or (after and after not in choices):
                    continue
                base = chosen_options(spec, after, choices) if after else []
                results = [
                    read_result(self.log_folder(r), r)
                    for r in tuning_runs(spec, method, base)
                    if self.is_finished(r)
                ]
                setting = choose_setting(
                    list(spec.methods[method].sweep.settings), results,
                    spec.tuning_seeds)
                if setting is not None:
                    choices[method] = setting
            if len(choices) == before:
                return choices

    def plan(self, choices: Dict[str, str]) -> List[Tuple[Run, bool]]:
        """Every run of the grid, in training order, and whether it can
        start now (a run waiting for a choice cannot)."""
        spec, planned = self.spec, []
        swept = [m for m, e in spec.methods.items() if 'sweep' in e]
        for method in swept:
            after = spec.methods[method].sweep.get('after')
            ready = after is None or after in choices
            base = chosen_options(spec, after, choices) if after and ready \
                else []
            planned += [(r, ready) for r in tuning_runs(spec, method, base)]
        for method in swept:
            planned += [(r, True)
                        for r in grad_share_runs(spec, method, choices)]
        # A method's final runs (and its ablations) wait for its own
        # choice only, so no core idles while another sweep still tunes.
        options = {
            m: chosen_options(spec, m, choices)
            for m in spec.methods if m in choices or m not in swept
        }
        for method in spec.methods:
            planned += [(r, method in options) for r in final_runs(
                spec, method, choices.get(method), options.get(method, []))]
        for variant, entry in spec.ablations.items():
            planned += [(r, entry.of in options) for r in ablation_runs(
                spec, variant, options.get(entry.of, []))]
        return planned

    def results(self) -> GridResults:
        """What the log dir holds, read from its files alone."""
        teacher = teacher_run(self.spec)
        choices = self.choices()
        by_kind: Dict[str, List[RunResult]] = dict(
            tune=[], final=[], ablation=[])
        grad_shares: Dict[Tuple[str, str], dict] = {}
        machines: Dict[str, Counter] = dict(tune=Counter(), tested=Counter())
        stale = 0
        for run, _ in self.plan(choices):
            folder = self.log_folder(run)
            if not self.is_finished(run):
                stale += run.kind in TESTED_KINDS and \
                    read_record(folder) is not None
            elif run.kind == 'grad_share':
                grad_shares[run.method, run.setting] = read_grad_shares(folder)
            else:
                by_kind[run.kind].append(read_result(folder, run))
                made_on = read_record(folder).get('machine')
                if made_on:
                    machines['tested' if run.kind in
                             TESTED_KINDS else 'tune'][made_on] += 1
        return GridResults(
            read_result(self.log_folder(teacher), teacher)
            if self.is_finished(teacher) else None, by_kind['final'],
            by_kind['tune'], choices, by_kind['ablation'], grad_shares,
            dict(machines['tested']), stale, dict(machines['tune']))

    def curves(self) -> Dict[str, List[dict]]:
        """The logged scalars of every finished final run, by run name."""
        return {
            run.name: read_scalars(self.log_folder(run))
            for run, _ in self.plan(self.choices())
            if run.kind == 'final' and self.is_finished(run)
        }

    # Training.
    def tool_options(self, run: Run) -> List[str]:
        """The cfg-options a tool of this run gets."""
        options = [*self.spec.cfg_options, *run.options]
        if run.kind in ANY_TEACHER_KINDS:
            options += WITHOUT_TEST
        if run.distill:
            options.append('model.teacher_ckpt=' +
                           self.final_checkpoint(teacher_run(self.spec)))
        return options

    def call_tool(self, run: Run, command: List[str], log_path: str,
                  threads: int) -> None:
        """Run one tools/ command, its output appended to ``log_path``."""
        env = dict(
            os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=self.root)
        with open(log_path, 'a', encoding='utf-8') as log:
            log.write(f'\n# {machine()}\n$ {" ".join(command)}\n')
            log.flush()
            process = subprocess.Popen([sys.executable, *command],
                                       cwd=self.root,
                                       env=env,
                                       stdout=log,
                                       stderr=subprocess.STDOUT,
                                       preexec_fn=end_with_parent)
            with self.lock:
                self.processes[run.name] = process
            returncode = process.wait()
            with self.lock:
                self.processes.pop(run.name, None)
        if returncode != 0:
            raise RunFailed(run, log_path, returncode)

    def _start_clean(self, run: Run, work: str) -> None:
        """A final or ablation run keeps to the teacher file it started
        with: a work dir begun with another one starts again."""
        marker = osp.join(work, 'teacher.sha256')
        current = self.teacher_sha256() or ''
        if osp.isfile(marker):
            with open(marker, encoding='utf-8') as f:
                if f.read() == current:
                    return
        for name in os.listdir(work):
            path = osp.join(work, name)
            if name != GRID_LOCK:
                shutil.rmtree(path) if osp.isdir(path) else os.remove(path)
        with open(marker, 'w', encoding='utf-8') as f:
            f.write(current)

    def train_and_test(self, run: Run, threads: int) -> bool:
        """Bring one run to its finished state, resuming what is there.

        Returns:
            bool: False when another runner holds the run: it is left to
            that one.
        """
        work = self.work_dir(run)
        try:
            hold = lock_work_dir(work, GRID_LOCK)
        except WorkDirBusyError:
            return False
        with hold:
            self._train_and_test(run, work, threads)
        return True

    def _train_and_test(self, run: Run, work: str, threads: int) -> None:
        if run.kind in ('final', 'ablation'):
            self._start_clean(run, work)
        log_path = osp.join(work, 'runner.log')
        checkpoint = self.final_checkpoint(run)
        options = self.tool_options(run)
        if not osp.isfile(checkpoint):
            resume = ['--resume'] if any(
                name.endswith('.pth') for name in os.listdir(work)) else []
            self.call_tool(run, [
                'tools/train.py', run.config, '--work-dir', work,
                *self.spec.train_args, *resume, '--cfg-options', *options,
                f'randomness.seed={run.seed}'
            ], log_path, threads)
        tested = run.kind in TESTED_KINDS and self.spec.evaluate_test
        test_metrics = osp.join(work, 'test_metrics.json')
        if tested and not osp.isfile(test_metrics):
            layout = [
                a for a in self.spec.train_args if a == '--channels-last'
            ]
            self.call_tool(run, [
                'tools/test.py', run.config, checkpoint, '--work-dir',
                osp.join(work, 'test'), '--out', test_metrics, *layout,
                *(['--cfg-options', *options] if options else [])
            ], log_path, threads)
        write_record(work, self.log_folder(run), self.record(run, checkpoint),
                     tested)

    def record(self, run: Run, checkpoint: str) -> dict:
        """What ``run.json`` says of how the run was made."""
        record = dict(
            method=run.method,
            seed=run.seed,
            kind=run.kind,
            setting=run.setting,
            config=run.config,
            train_args=list(self.spec.train_args),
            cfg_options=list(self.spec.cfg_options),
            options=list(run.options),
            machine=machine(),
            code=code_version(self.root))
        if run.kind == 'teacher':
            record['weights_sha256'] = weights_sha256(checkpoint)
        else:
            record['teacher_sha256'] = self.teacher_sha256()
        return record

    def train_teacher(self) -> None:
        """Train the teacher unless its checkpoint is there and is the one
        its logs record (a checkpoint trained apart is tested and
        recorded; a fresh clone trains it again)."""
        teacher = teacher_run(self.spec)
        checkpoint = self.final_checkpoint(teacher)
        if osp.isfile(checkpoint) and self.is_finished(teacher) and \
                weights_sha256(checkpoint) == self.teacher_sha256():
            return
        progress = GridProgress(1, 1, self.write)
        progress.started(teacher.name,
                         osp.join(self.work_dir(teacher), 'runner.log'))
        if not self.train_and_test(teacher, os.cpu_count() or 1):
            raise SystemExit(f'error: another grid runner is training the '
                             f'teacher in {self.work_dir(teacher)}; start '
                             'this one when it has finished')
        progress.finished(teacher.name)

    def train_runs(self, runs: List[Run], progress: GridProgress,
                   threads: int) -> None:
        """Train ``runs`` (and whatever becomes ready meanwhile when they
        come from :meth:`ready_runs`), ``jobs`` at a time."""
        running: Dict[Future, Run] = {}
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        try:
            while True:
                for run in self.next_runs(runs):
                    if len(running) >= self.jobs:
                        break
                    if run.name in self.attempted:
                        continue
                    self.attempted.add(run.name)
                    progress.started(
                        run.name, osp.join(self.work_dir(run), 'runner.log'))
                    running[pool.submit(self.train_and_test, run,
                                        threads)] = run
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    self.settle(running.pop(future), future, progress)
        except BaseException:
            self.stop_all()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def next_runs(self, runs: Optional[List[Run]]) -> List[Run]:
        """The unfinished runs that can start now, in training order."""
        if runs is not None:
            return [r for r in runs if not self.is_finished(r)]
        return [
            run for run, ready in self.plan(self.choices())
            if ready and not self.is_finished(run)
        ]

    def settle(self, run: Run, future: Future, progress: GridProgress) -> None:
        """Report a run that ended; a failed tuning or gradient-share run
        is recorded, any other failure stops the grid."""
        error = future.exception()
        if error is None:
            if future.result():
                progress.finished(run.name)
            else:
                progress.held_elsewhere(run.name)
            return
        if not isinstance(error, RunFailed):
            raise error
        kept = run.kind in ANY_TEACHER_KINDS
        progress.failed(run.name, error.log_path, kept=kept)
        if not kept:
            raise error
        write_failure(
            self.log_folder(run), self.record(run, ''),
            log_tail(error.log_path))

    def stop_all(self) -> None:
        """End every tool still running (a fatal error stops the grid)."""
        with self.lock:
            for process in self.processes.values():
                process.terminate()

    def check_teacher_gap(self) -> None:
        """Stop before distilling when the teacher has too little to give."""
        spec = self.spec
        teacher = read_result(
            self.log_folder(teacher_run(spec)), teacher_run(spec))
        baseline = [
            read_result(self.log_folder(r), r)
            for r in final_runs(spec, spec.baseline)
        ]
        student = float(np.mean([r.val_top1 for r in baseline]))
        gap = teacher.val_top1 - student
        if gap < spec.min_teacher_gap:
            raise SystemExit(
                f'error: the teacher beats the student alone by {gap:.2f} '
                f'points on val, less than the spec\'s min_teacher_gap '
                f'{spec.min_teacher_gap}: nothing to distil. Change the '
                f'protocol (a narrower student, fewer images or epochs).')
        self.write(f'gap rule: teacher {teacher.val_top1:.2f} - student '
                   f'alone {student:.2f} = {gap:.2f} >= '
                   f'{spec.min_teacher_gap} on val')

    def run(self) -> None:
        """Train everything not yet finished, in the module's order."""
        self.write(f'machine: {machine()}')
        self.train_teacher()
        threads = max(1, (os.cpu_count() or 1) // self.jobs)
        planned = [run for run, _ in self.plan(self.choices())]
        unfinished = [run for run in planned if not self.is_finished(run)]
        progress = GridProgress(len(unfinished), self.jobs, self.write)
        self.write(f'{len(planned) - len(unfinished)} of {len(planned)} runs '
                   f'already finished; training {len(unfinished)}, '
                   f'{self.jobs} at a time')
        if self.spec.baseline in self.spec.methods:
            self.train_runs(
                final_runs(self.spec, self.spec.baseline), progress, threads)
            if self.spec.min_teacher_gap is not None:
                self.check_teacher_gap()
        self.train_runs(None, progress, threads)
