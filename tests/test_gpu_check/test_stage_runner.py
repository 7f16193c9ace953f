# Copyright (c) irg_mm contributors. All rights reserved.
"""irg_mm.gpu_check.stage_runner: what a stage ran and how it ended land in
its result, a failure and a spent budget included."""
import time

from irg_mm.gpu_check import StageResult, StageRunner


def test_results_quote_output_and_report_failures_and_a_spent_budget(tmp_path):
    runner = StageRunner(str(tmp_path), str(tmp_path), time.monotonic() + 60)

    def table_stage(runner):
        runner.run_logged(
            'table', ['echo', '| table |'], 10, quote_output=True)
        return ['found']

    def failing_stage(runner):
        runner.run_logged('probe', ['sh', '-c', 'exit 3'], 10)

    def broken_stage(runner):
        raise FileNotFoundError('no run folder')

    result = runner.run_stage('benchmark', table_stage)
    quoted = StageResult('benchmark', 'PASS', 0, ['found'],
                         ["echo '| table |'"], '| table |')
    assert result._replace(seconds=0) == quoted
    result = runner.run_stage('tests', failing_stage)
    assert result.verdict == 'FAIL'
    assert result.findings[0].startswith('probe: exit 3 (log ')
    assert result.commands == ["sh -c 'exit 3'"]
    assert result.output == ''  # the previous stage's is not carried over
    assert (tmp_path / 'logs' / 'probe.log').is_file()
    assert runner.run_stage(
        'ddp', broken_stage).findings == ['FileNotFoundError: no run folder']
    runner.deadline = 0
    assert runner.run_stage('amp', table_stage) == StageResult(
        'amp', 'NOT RUN', 0, ['the time budget was spent'], [])
