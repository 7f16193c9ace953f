# Copyright (c) irg_mm contributors. All rights reserved.
"""irg_mm.gpu_check.report: the report holds the machine, every verdict,
findings, failures with their log tails, and quoted tables."""
from irg_mm.gpu_check import StageResult, render_report


def test_report_holds_verdicts_findings_failures_and_tables():
    report = render_report([
        StageResult('tests', 'PASS', 12.3, ['30 passed in 9.0s'], ['pytest']),
        StageResult('ddp', 'FAIL', 5, ['ddp_gloo: exit 1 (log L):\nTraceback'],
                    []),
        StageResult('benchmark', 'PASS', 99.6, ['B=32: target met'], ['bench'],
                    '| table |'),
    ], ['mmrazor==1.0.0'], 130, 480, ['| GPU | X |'], 'abc1234')
    assert 'commit abc1234, in 130 s (budget 480 s)' in report
    assert '| GPU | X |' in report
    assert 'Installed by the check: mmrazor==1.0.0.' in report
    assert '| tests | PASS | 12 |\n| ddp | FAIL | 5 |\n' in report
    assert '## tests: PASS\n\n- 30 passed in 9.0s\n' in report
    assert '```\nddp_gloo: exit 1 (log L):\nTraceback\n```' in report
    assert '- B=32: target met\n\n```\n| table |\n```' in report
