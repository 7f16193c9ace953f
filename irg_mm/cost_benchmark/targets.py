# Copyright (c) irg_mm contributors. All rights reserved.
"""The targets: the one place they are declared (docs/cost_benchmark.md
quotes them), each with the ratio it judges, and their verdict lines.

A measured run is a dict of what its workers returned: ``median`` and
``min`` (seconds), ``peak_bytes``.

Examples:
    >>> TARGETS['kernel_floor'].line(1.1)
    'IRG / fwd+bwd floor = 1.10 (target <= 1.30: met)'
    >>> TARGETS['step_memory'].judge(dict(peak_bytes=500),
    ...                              dict(peak_bytes=400))
    '(peak - KD peak) / peak = 20.0% (target < 5.0%: MISSED)'
"""
import operator
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from .steps import STEPS

Result = Dict[str, float]
COMPARISONS = {'<=': operator.le, '<': operator.lt, '>=': operator.ge}


def ratio(numerator: Optional[Result], denominator: Optional[Result],
          key: str) -> Optional[float]:
    """``numerator[key] / denominator[key]``, None if either is missing.

    Args:
        numerator (Dict, optional): A measured run.
        denominator (Dict, optional): Another.
        key (str): What to divide.

    Returns:
        float, optional: The ratio.
    """
    if not numerator or not denominator:
        return None
    return numerator[key] / denominator[key]


def cell(value: Optional[float], fmt: str) -> str:
    """A value as ``fmt`` formats it, ``-`` for a missing one.

    Args:
        value (float, optional): The value.
        fmt (str): Its format.

    Returns:
        str: The text.
    """
    return '-' if value is None else format(value, fmt)


def fastest_ratio(run: Result, reference: Result) -> float:
    """The fastest call of ``run`` over that of ``reference``."""
    return run['min'] / reference['min']


def median_ratio(run: Result, reference: Result) -> float:
    """The median call of ``run`` over that of ``reference``."""
    return run['median'] / reference['median']


def extra_memory_share(run: Result, kd: Result) -> float:
    """``(peak - KD peak) / peak``: what a step adds to KD's peak, as a
    share of its own peak."""
    return (run['peak_bytes'] - kd['peak_bytes']) / run['peak_bytes']


class Target(NamedTuple):
    """A bound that one ratio of two measured runs must meet.

    Args:
        name (str): The ratio, as the verdict line names it; it must say
            what ``ratio_of`` computes.
        comparison (str): ``'<='``, ``'<'`` or ``'>='``: how the ratio
            must compare with ``bound``.
        bound (float): The threshold.
        fmt (str): Format of the ratio and the bound in the line.
        ratio_of (Callable[[Dict, Dict], float]): The ratio of a run and
            its reference.
    """
    name: str
    comparison: str
    bound: float
    fmt: str
    ratio_of: Callable[[Result, Result], float]

    def line(self, value: Optional[float]) -> str:
        """The verdict line: the value, the target, and whether it is met.

        Args:
            value (float, optional): The measured ratio; None if one of its
                runs was not measured.

        Returns:
            str: ``'NAME = VALUE (target OP BOUND: met|MISSED|not
            measured)'``.
        """
        if value is None:
            shown, verdict = '-', 'not measured'
        else:
            met = COMPARISONS[self.comparison](value, self.bound)
            shown, verdict = format(value,
                                    self.fmt), 'met' if met else 'MISSED'
        return (f'{self.name} = {shown} (target {self.comparison} '
                f'{format(self.bound, self.fmt)}: {verdict})')

    def judge(self, run: Optional[Result], reference: Optional[Result]) -> str:
        """The verdict line of a run against its reference.

        Args:
            run (Dict, optional): The run judged; None if not measured.
            reference (Dict, optional): What it is compared with.

        Returns:
            str: As :meth:`line`.
        """
        value = self.ratio_of(run, reference) if run and reference else None
        return self.line(value)


# The kernel targets hold at D = TARGET_DIM, ResNet-18's layer4 flattened.
TARGET_DIM = 25088
TARGETS = {
    'kernel_floor':
    Target('IRG / fwd+bwd floor', '<=', 1.3, '.2f', fastest_ratio),
    'kernel_naive':
    Target('broadcast / IRG', '>=', 5.0, '.1f', fastest_ratio),
    'step_time':
    Target('step time / KD', '<=', 1.05, '.3f', median_ratio),
    'step_memory':
    Target('(peak - KD peak) / peak', '<', 0.05, '.1%', extra_memory_share),
}


def kernel_verdicts(results: Dict[Tuple[int, int, str], Result]) -> List[str]:
    """One line per batch size at ``TARGET_DIM`` judging both kernel
    targets (on the fastest calls), with two ratios that have no target.

    Args:
        results (Dict): Measured runs by ``(B, D, kernel)``.

    Returns:
        List[str]: The lines.
    """
    lines = []
    for batch_size in sorted({b
                              for b, dim, _ in results if dim == TARGET_DIM}):

        def result(impl: str) -> Optional[Result]:
            return results.get((batch_size, TARGET_DIM, impl))

        irg, floor = result('irg'), result('floor_fwd_bwd')
        products = ratio(irg, result('irg_products'), 'min')
        work = ratio(result('irg_work'), floor, 'min')
        lines.append(f'B={batch_size}, D={TARGET_DIM}: '
                     f'{TARGETS["kernel_floor"].judge(irg, floor)}; '
                     f'{TARGETS["kernel_naive"].judge(result("naive"), irg)}'
                     f'; IRG / its 3 products = {cell(products, ".2f")}, '
                     f'products + shifts / floor = {cell(work, ".2f")} '
                     '(no targets)')
    return lines


def step_verdicts(results: Dict[str, Result]) -> List[str]:
    """The step-time and extra-memory lines of IRG and IRG + KD against
    KD.

    Args:
        results (Dict): Measured runs by ``STEPS`` key.

    Returns:
        List[str]: The lines.
    """
    kd = results.get('kd')
    return [
        f'{STEPS[variant]}: '
        f'{TARGETS["step_time"].judge(results.get(variant), kd)}; '
        f'{TARGETS["step_memory"].judge(results.get(variant), kd)}'
        for variant in ('irg', 'irg_kd')
    ]
