# Copyright (c) irg_mm contributors. All rights reserved.
"""The GPU check's report: the machine, then each stage's verdict."""
import datetime
from typing import List, Optional, Sequence

from .stage_runner import StageResult


def _stage_section(result: StageResult) -> List[str]:
    """One stage's findings, quoted output and commands, in markdown."""
    lines = ['', f'## {result.name}: {result.verdict}', '']
    for finding in result.findings:
        if '\n' in finding:  # a failure with its log tail
            lines += ['```', finding, '```']
        else:
            lines.append(f'- {finding}')
    if result.output:
        lines += ['', '```', result.output, '```']
    if result.commands:
        lines += ['', 'Commands:', '', '```', *result.commands, '```']
    return lines


def render_report(results: Sequence[StageResult],
                  installed: Sequence[str],
                  seconds: float,
                  budget_s: float,
                  machine: Sequence[str],
                  commit: str,
                  date: Optional[datetime.datetime] = None) -> str:
    """The markdown report of one GPU check.

    Args:
        results (Sequence[StageResult]): The stages, in the order they ran.
        installed (Sequence[str]): What the check installed (pip specs).
        seconds (float): How long the whole check took.
        budget_s (float): Its time budget.
        machine (Sequence[str]): Rows of the machine table
            (:func:`~irg_mm.gpu_check.machine.machine_rows`).
        commit (str): The checked-out commit.
        date (datetime.datetime, optional): When it ran. Defaults to None:
            now, in UTC.

    Returns:
        str: The report: a header, the machine, what was installed, one
        table of verdicts, then a section per stage.

    Examples:
        >>> report = render_report(
        ...     [StageResult('tests', 'PASS', 12.3, ['3 passed'], ['pytest'])],
        ...     [], 20, 480, ['| GPU | H200 |'], 'abc1234')
        >>> print(report[report.index('Installed'):])
        Installed by the check: nothing.
        <BLANKLINE>
        | stage | verdict | seconds |
        |:--|:--|--:|
        | tests | PASS | 12 |
        <BLANKLINE>
        ## tests: PASS
        <BLANKLINE>
        - 3 passed
        <BLANKLINE>
        Commands:
        <BLANKLINE>
        ```
        pytest
        ```
    """
    date = date or datetime.datetime.now(datetime.timezone.utc)
    lines = [
        '# irg_mm GPU check', '',
        f'Written by `bash tools/gpu_check.sh` on {date:%Y-%m-%d %H:%M} UTC, '
        f'commit {commit}, in {seconds:.0f} s (budget {budget_s:.0f} s).', '',
        '| machine | |', '|:--|:--|', *machine, '',
        'Installed by the check: ' + (', '.join(installed) or 'nothing') + '.',
        '', '| stage | verdict | seconds |', '|:--|:--|--:|'
    ]
    lines += [f'| {r.name} | {r.verdict} | {r.seconds:.0f} |' for r in results]
    for result in results:
        lines += _stage_section(result)
    return '\n'.join(lines) + '\n'
