# Copyright (c) irg_mm contributors. All rights reserved.
"""The agreement of each IRG term as a Markdown table."""
from typing import Dict, List

from irg_mm.engine import GraphPair


def agreement_table(pairs: List[GraphPair],
                    agreements: List[Dict[str, float]]) -> List[str]:
    """Format the agreement of each term as Markdown table lines.

    Args:
        pairs (list[GraphPair]): The terms.
        agreements (list[dict[str, float]]): ``pair.agreement()`` of each
            term.

    Returns:
        list[str]: The header, the separator and one line per term, 4
        decimals.

    Examples:
        >>> import torch
        >>> pair = GraphPair('loss_irg_edge0', 'edge', 'student.a',
        ...                  'teacher.b', torch.eye(2), torch.eye(2))
        >>> print('\\n'.join(agreement_table([pair], [dict(corr=1, mad=0)])))
        | term | teacher | student | pearson r | mean abs diff |
        |---|---|---|---|---|
        | edge0 | teacher.b | student.a | 1.0000 | 0.0000 |
    """
    lines = [
        '| term | teacher | student | pearson r | mean abs diff |',
        '|---|---|---|---|---|',
    ]
    for pair, agreement in zip(pairs, agreements):
        lines.append(f'| {pair.short_name} | {pair.teacher_source} | '
                     f'{pair.student_source} | {agreement["corr"]:.4f} | '
                     f'{agreement["mad"]:.4f} |')
    return lines
