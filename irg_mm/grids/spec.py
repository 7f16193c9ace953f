# Copyright (c) irg_mm contributors. All rights reserved.
"""A grid spec: its methods, sweeps and ablations, checked before any run.

A spec (``configs/benchmarks/*.py``) names a teacher, the student methods
(one config each), the final seeds and the comparisons to report. A method
may also carry per-method ``cfg_options`` and a ``sweep``: named settings,
each a list of cfg-options, trained on ``tuning_seeds`` and chosen by mean
validation top-1 (see :mod:`irg_mm.grids.selection`). ``ablations`` are
variants of a method's chosen setting. Every key a run's cfg-options set is
checked against the method's config here, so a misspelt key stops the grid
before its first run instead of training a silently unchanged config.
"""
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.config import Config

from irg_mm.errors import ConfigError
from irg_mm.launch import load_config
from irg_mm.models.utils.suggestions import suggest
from irg_mm.utils.cli_literals import parse_cfg_options

TEACHER = 'teacher'
# What a run is for: the teacher, a tuning run of a sweep setting, a final
# run of a method's chosen setting, an ablation variant of one, or a short
# run measuring a setting's gradient shares.
KINDS = ('teacher', 'tune', 'final', 'ablation', 'grad_share')


class GridSpecError(ConfigError):
    """A grid spec that cannot run as written; the message names the key."""


class Run(NamedTuple):
    """One training run of a grid.

    Args:
        method (str): The spec's method (``'teacher'`` for the teacher, the
            variant's name for an ablation).
        seed (int): Its ``randomness.seed``.
        config (str): The config it trains (a path or ``package::path``).
        distill (bool): Whether it is distilled from the grid's teacher.
        kind (str): One of :data:`KINDS`.
        options (tuple): The cfg-options of this run, before the spec's
            common ones (the method's, its setting's, its variant's).
        setting (str, optional): The sweep setting of a tuning or final run.
    """
    method: str
    seed: int
    config: str
    distill: bool
    kind: str = 'final'
    options: Tuple[str, ...] = ()
    setting: Optional[str] = None

    @property
    def name(self) -> str:
        """The run's folder below the work dir and the log dir."""
        if self.kind == 'teacher':
            return TEACHER
        if self.kind == 'tune':
            return f'{self.method}/tune/{self.setting}/seed{self.seed}'
        if self.kind == 'ablation':
            return f'ablation/{self.method}/seed{self.seed}'
        if self.kind == 'grad_share':
            return f'{self.method}/grad_share/{self.setting}'
        return f'{self.method}/seed{self.seed}'


def config_path(config: str, root: str) -> str:
    """A spec's config as a tool takes it: ``package::`` names as they
    are, other paths relative to ``root``."""
    return config if '::' in config else osp.join(root, config)


def _choose(spec: Config, key: str, chosen: Optional[Sequence]) -> None:
    if chosen is None:
        return
    known = list(spec[key])
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise GridSpecError(f'--{key} {unknown} not in the spec\'s {key} '
                            f'{known}; choose from them')
    spec[key] = {
        m: spec[key][m]
        for m in chosen
    } if isinstance(spec[key], dict) else list(chosen)


def load_spec(path: str,
              work_dir: Optional[str] = None,
              log_dir: Optional[str] = None,
              cfg_options: Sequence[str] = (),
              methods: Optional[Sequence[str]] = None,
              seeds: Optional[Sequence[int]] = None) -> Config:
    """Read a spec with the command line's choices applied.

    Args:
        path (str): The spec file.
        work_dir (str, optional): Where runs train. Defaults to the spec's.
        log_dir (str, optional): Where finished runs' logs go. Defaults to
            the spec's.
        cfg_options (Sequence[str]): Overrides for every run.
        methods (Sequence[str], optional): Only these methods.
        seeds (Sequence[int], optional): Only these final seeds.

    Returns:
        Config: The spec, with ``work_dir``, ``log_dir`` absolute and
        defaults filled in (``tuning_seeds``, ``ablations``,
        ``ablation_seeds``).

    Raises:
        GridSpecError: A chosen method or seed is not in the spec.

    Examples:
        >>> spec = load_spec('configs/benchmarks/fashion_mnist_tuned.py',
        ...                  methods=['student', 'kd'])
        >>> list(spec.methods), spec.tuning_seeds
        (['student', 'kd'], [100, 101])
    """
    spec = Config.fromfile(path)
    spec.work_dir = osp.abspath(work_dir or spec.work_dir)
    spec.log_dir = osp.abspath(log_dir or spec.log_dir)
    spec.cfg_options = [*spec.get('cfg_options', []), *cfg_options]
    spec.setdefault('tuning_seeds', [])
    spec.setdefault('ablations', {})
    spec.setdefault('ablation_seeds', [])
    _choose(spec, 'methods', methods)
    _choose(spec, 'seeds', seeds)
    spec.ablations = {
        name: entry
        for name, entry in spec.ablations.items() if entry.of in spec.methods
    }
    if spec.baseline not in spec.methods:
        spec.min_teacher_gap = None
    return spec


def teacher_run(spec: Config) -> Run:
    """The grid's teacher run."""
    return Run(TEACHER, spec.teacher.get('seed', 0), spec.teacher.config,
               False, 'teacher')


def tuning_runs(spec: Config, method: str,
                base: Sequence[str] = ()) -> List[Run]:
    """Every tuning run of a method's sweep, setting by setting.

    Args:
        spec (Config): The spec.
        method (str): A method with a ``sweep``.
        base (Sequence[str]): The chosen options of the method its sweep
            comes ``after``, applied before each setting's.

    Returns:
        List[Run]: One run per setting and tuning seed.
    """
    entry = spec.methods[method]
    return [
        Run(method, seed, entry.config, entry.get('distill', True), 'tune',
            (*entry.get('cfg_options', []), *base, *options), setting)
        for setting, options in entry.sweep.settings.items()
        for seed in spec.tuning_seeds
    ]


def final_runs(
        spec: Config,
        method: str,
        setting: Optional[str] = None,
        options: Sequence[str] = (),
) -> List[Run]:
    """A method's final runs, one per seed, at its chosen setting.

    Args:
        spec (Config): The spec.
        method (str): The method.
        setting (str, optional): The chosen setting's name, None for a
            method without a sweep.
        options (Sequence[str]): The chosen setting's options (its
            ``after`` method's included).

    Returns:
        List[Run]: One run per final seed.
    """
    entry = spec.methods[method]
    return [
        Run(method, seed, entry.config, entry.get('distill', True), 'final',
            (*entry.get('cfg_options', []), *options), setting)
        for seed in spec.seeds
    ]


def ablation_runs(spec: Config, variant: str,
                  chosen_options: Sequence[str]) -> List[Run]:
    """An ablation variant's runs: its method's chosen setting, changed.

    Args:
        spec (Config): The spec.
        variant (str): A key of ``spec.ablations``.
        chosen_options (Sequence[str]): The options of the chosen setting
            of the method the variant changes.

    Returns:
        List[Run]: One run per ablation seed.
    """
    entry = spec.ablations[variant]
    method = spec.methods[entry.of]
    return [
        Run(variant, seed, method.config, method.get('distill',
                                                     True), 'ablation',
            (*method.get('cfg_options', []), *chosen_options, *entry.options))
        for seed in spec.ablation_seeds
    ]


def grad_share_runs(spec: Config, method: str,
                    choices: Dict[str, str]) -> List[Run]:
    """Short runs measuring the gradient shares of a swept method at its
    ``default`` setting and at its chosen one (once when they agree).

    Args:
        spec (Config): The spec; ``grad_shares`` gives the ``seed`` and the
            ``options`` that make the short run (one epoch, the hook).
        method (str): A method with a sweep.
        choices (Dict[str, str]): The chosen settings so far.

    Returns:
        List[Run]: Nothing before the method's setting is chosen.
    """
    entry = spec.methods[method]
    if 'grad_shares' not in spec or method not in choices:
        return []
    after = entry.sweep.get('after')
    base = chosen_options(spec, after, choices) if after else []
    settings = dict.fromkeys([entry.sweep.default, choices[method]])
    return [
        Run(method, spec.grad_shares.seed, entry.config,
            entry.get('distill', True), 'grad_share',
            (*entry.get('cfg_options', []), *base,
             *entry.sweep.settings[setting], *spec.grad_shares.options),
            setting) for setting in settings
    ]


def _check_keys_exist(cfg: Config, options: Sequence[str], key: str) -> None:
    """Each option's parent must exist in ``cfg``: a misspelt path would
    otherwise add a key nothing reads."""
    tree = cfg.to_dict()
    for option in options:
        path = option.split('=', 1)[0].split('.')
        node = tree
        for depth, part in enumerate(path[:-1]):
            if isinstance(node,
                          list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                names = list(node) if isinstance(node, dict) else []
                raise GridSpecError(
                    f'{key}: {option!r}: {".".join(path[:depth + 1])} is not '
                    f'in the config{suggest(part, names)}; fix the key')


def _check_sweep(spec: Config, method: str, root: str) -> None:
    entry = spec.methods[method]
    key = f'methods.{method}.sweep'
    sweep = entry.sweep
    if not sweep.get('settings'):
        raise GridSpecError(f'{key}.settings: give at least one setting, '
                            'e.g. settings=dict(w1=[\'KEY=1\'])')
    if not spec.tuning_seeds:
        raise GridSpecError(f'{key}: a sweep needs tuning_seeds = [...] in '
                            'the spec, apart from its seeds')
    if 'grad_shares' in spec and sweep.get('default') not in sweep.settings:
        raise GridSpecError(
            f'{key}.default: {sweep.get("default")!r} is not one of its '
            f'settings {list(sweep.settings)}; name today\'s setting, whose '
            'gradient shares are measured beside the chosen one')
    after = sweep.get('after')
    if after is not None and 'sweep' not in spec.methods.get(after, {}):
        sweeps = [m for m in spec.methods if 'sweep' in spec.methods[m]]
        raise GridSpecError(f'{key}.after: {after!r} is not a swept method '
                            f'of the spec{suggest(after, sweeps)}')
    cfg = load_config(config_path(entry.config, root))
    for name, options in sweep.settings.items():
        if isinstance(options, str) or not all(
                isinstance(o, str) and '=' in o for o in options):
            raise GridSpecError(f'{key}.settings.{name}: expected a list of '
                                "'KEY=VALUE' strings, got {options!r}")
        _check_keys_exist(cfg, options, f'{key}.settings.{name}')
        for axis in ('x', 'series'):
            if sweep.get(axis) and setting_value(options, sweep[axis]) is None:
                raise GridSpecError(
                    f'{key}.settings.{name}: sets no {sweep[axis]} (the '
                    f'sweep\'s {axis}); add it to the setting')


def check_spec(spec: Config, root: str) -> None:
    """Check a spec before any run: seeds, sweeps, ablations, option keys,
    what it publishes.

    Args:
        spec (Config): A spec from :func:`load_spec`.
        root (str): The folder the spec's config paths are relative to.

    Raises:
        GridSpecError: The first problem found, naming its key and the fix.
    """
    overlap = sorted(set(spec.tuning_seeds) & set(spec.seeds))
    if overlap:
        raise GridSpecError(
            f'tuning_seeds: {overlap} are also final seeds; choose tuning '
            'seeds that no final run uses, e.g. [100, 101]')
    for method, entry in spec.methods.items():
        if entry.get('cfg_options'):
            cfg = load_config(config_path(entry.config, root))
            _check_keys_exist(cfg, entry.cfg_options,
                              f'methods.{method}.cfg_options')
        if 'sweep' in entry:
            _check_sweep(spec, method, root)
    for variant, entry in spec.ablations.items():
        if not spec.ablation_seeds:
            raise GridSpecError(f'ablations.{variant}: give ablation_seeds = '
                                '[...] in the spec')
        cfg = load_config(config_path(spec.methods[entry.of].config, root))
        _check_keys_exist(cfg, entry.options, f'ablations.{variant}.options')
    from .publish import check_publish
    check_publish(spec)


def setting_value(options: Sequence[str], key: str) -> Optional[object]:
    """The value ``options`` give ``key``, None when they set none.

    Examples:
        >>> setting_value(['a.b=0.5', 'c=2'], 'a.b')
        0.5
    """
    values = parse_cfg_options([o for o in options if o.startswith(key + '=')])
    return values.get(key)


def chosen_options(spec: Config, method: str, choices: Dict[str,
                                                            str]) -> List[str]:
    """The options of a method's chosen setting, its ``after`` method's
    chosen options first; empty for a method without a sweep."""
    entry = spec.methods[method]
    if 'sweep' not in entry:
        return []
    after = entry.sweep.get('after')
    base = chosen_options(spec, after, choices) if after else []
    return [*base, *entry.sweep.settings[choices[method]]]
