# Copyright (c) irg_mm contributors. All rights reserved.
"""Install what irg_mm needs and this Python lacks, keeping its torch.

A GPU machine comes with its own CUDA build of torch (any version >= 2.1);
``pip install -r requirements/pinned.txt`` would replace it with the pinned
one. This module walks the requirements (``requirements/mminstall.txt``,
``runtime.txt`` and ``tests.txt``) and the dependencies of what is
installed, and installs only what is unmet: torch and torchvision resolved
against the torch already there, everything else at the version
``requirements/pinned.txt`` names, each without its own dependencies, which
the next round checks instead (so an installed ``opencv-python-headless``
counts for mmengine's ``opencv-python``). Only the standard library and
``packaging`` are used: it runs before anything else of the project can be
imported.

Example:
    python tools/analysis/install_missing.py
    python tools/analysis/install_missing.py --pip-args \
        "--no-index --find-links .whl"   # offline, from downloaded wheels
"""
import argparse
import importlib
import importlib.metadata as metadata
import os.path as osp
import shlex
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Sequence

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip always carries a copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REQUIREMENT_FILES = ('requirements/mminstall.txt', 'requirements/runtime.txt',
                     'requirements/tests.txt')
PINNED_FILE = 'requirements/pinned.txt'
OPENCV_BUILDS = ('opencv-python', 'opencv-python-headless',
                 'opencv-contrib-python', 'opencv-contrib-python-headless')
# Distributions that provide what a requirement names, under other names.
PROVIDERS = {'mmcv': ('mmcv', 'mmcv-lite'), 'opencv-python': OPENCV_BUILDS}
# Built against one torch: pip resolves them, the torch already here fixed.
TORCH_FAMILY = ('torch', 'torchvision')
MAX_ROUNDS = 5


def read_requirements(path: str) -> List[Requirement]:
    """The requirements of a pip requirements file (comments skipped)."""
    with open(path, encoding='utf-8') as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [Requirement(line) for line in lines if line]


def installed_version(name: str) -> Optional[str]:
    """The installed version of ``name`` or of a distribution providing it.

    Args:
        name (str): A distribution name, e.g. ``'mmcv'``.

    Returns:
        str, optional: The version, or None if nothing provides it.
    """
    for provider in PROVIDERS.get(canonicalize_name(name), (name, )):
        try:
            return metadata.version(provider)
        except metadata.PackageNotFoundError:
            continue
    return None


def _applies(requirement: Requirement) -> bool:
    """Whether the requirement's marker holds here (extras excluded)."""
    return requirement.marker is None or requirement.marker.evaluate(
        {'extra': ''})


def _dependencies(name: str) -> List[Requirement]:
    """The requirements an installed distribution declares."""
    for provider in PROVIDERS.get(canonicalize_name(name), (name, )):
        try:
            return [Requirement(r) for r in metadata.requires(provider) or []]
        except metadata.PackageNotFoundError:
            continue
    return []


def unmet_requirements(
        requirements: Sequence[Requirement]) -> List[Requirement]:
    """The requirements, and dependencies of installed ones, not satisfied.

    Args:
        requirements (Sequence[Requirement]): The top-level requirements.

    Returns:
        List[Requirement]: One per unmet distribution, in discovery order.

    Examples:
        >>> unmet_requirements([Requirement('pip>=1')])
        []
    """
    unmet: Dict[str, Requirement] = {}
    seen = set()
    queue = [r for r in requirements if _applies(r)]
    while queue:
        requirement = queue.pop(0)
        name = canonicalize_name(requirement.name)
        version = installed_version(name)
        if version is None or not requirement.specifier.contains(
                version, prereleases=True):
            unmet.setdefault(name, requirement)
        elif name not in seen and name not in TORCH_FAMILY:
            # torch's own dependencies (CUDA libraries) are the machine's.
            seen.add(name)
            queue += [r for r in _dependencies(name) if _applies(r)]
    return list(unmet.values())


def install_specs(unmet: Sequence[Requirement],
                  pinned: Sequence[Requirement]) -> Dict[str, List[str]]:
    """What to ask pip for: the torch family resolved, the rest pinned.

    Args:
        unmet (Sequence[Requirement]): From :func:`unmet_requirements`.
        pinned (Sequence[Requirement]): ``requirements/pinned.txt``.

    Returns:
        Dict[str, List[str]]: ``'resolve'`` (torch, torchvision: pip picks
        the versions that match the installed torch) and ``'no_deps'``
        (every other distribution, at its pinned version if it has one).
    """
    pins = {canonicalize_name(r.name): str(r) for r in pinned}
    specs = dict(resolve=[], no_deps=[])
    for requirement in unmet:
        name = canonicalize_name(requirement.name)
        if name in TORCH_FAMILY:
            specs['resolve'].append(str(requirement))
            continue
        providers = PROVIDERS.get(name, (name, ))
        pin = next((pins[p] for p in providers if p in pins), None)
        specs['no_deps'].append(pin or str(requirement))
    return specs


def _pip_install(specs: List[str], options: List[str],
                 pip_args: List[str]) -> None:
    """Run ``pip install``; raise with pip's output when it fails."""
    command = [sys.executable, '-m', 'pip', 'install', *options, *pip_args]
    result = subprocess.run(command + specs, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(
            f'pip install {" ".join(specs)} failed: '
            f'{(result.stderr or result.stdout).strip()[-2000:]}')


def install_missing(pip_args: Sequence[str] = (),
                    repo_root: str = REPO_ROOT) -> List[str]:
    """Install the unmet requirements, round by round, keeping torch.

    Args:
        pip_args (Sequence[str]): Extra ``pip install`` options, e.g.
            ``['--no-index', '--find-links', '.whl']``. Defaults to ().
        repo_root (str): Where ``requirements/`` lies.

    Returns:
        List[str]: What was installed (pip specs), empty if nothing.

    Raises:
        RuntimeError: If torch itself is missing, pip fails, or
            requirements stay unmet after ``MAX_ROUNDS`` rounds.
    """
    torch_version = installed_version('torch')
    if torch_version is None:
        raise RuntimeError(
            'torch is not installed: install a CUDA build of torch>=2.1 '
            'first (https://pytorch.org/get-started/locally/)')
    requirements = [
        r for path in REQUIREMENT_FILES
        for r in read_requirements(osp.join(repo_root, path))
    ]
    pinned = read_requirements(osp.join(repo_root, PINNED_FILE))
    installed = []
    with tempfile.NamedTemporaryFile('w', suffix='.txt') as constraints:
        constraints.write(f'torch=={torch_version}\n')
        constraints.flush()
        for _ in range(MAX_ROUNDS):
            unmet = unmet_requirements(requirements)
            if not unmet:
                return installed
            specs = install_specs(unmet, pinned)
            if specs['resolve']:
                _pip_install(specs['resolve'], ['-c', constraints.name],
                             list(pip_args))
            if specs['no_deps']:
                _pip_install(specs['no_deps'], ['--no-deps'], list(pip_args))
            installed += specs['resolve'] + specs['no_deps']
            importlib.invalidate_caches()
    unmet = ', '.join(str(r) for r in unmet_requirements(requirements))
    raise RuntimeError(f'still unmet after {MAX_ROUNDS} rounds: {unmet}')


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Install what irg_mm needs and this Python lacks, '
        'keeping the installed torch.')
    parser.add_argument(
        '--pip-args',
        default='',
        help='extra pip install options, e.g. "--no-index --find-links '
        '.whl" for a machine without internet')
    args = parser.parse_args(argv)
    try:
        installed = install_missing(shlex.split(args.pip_args))
    except RuntimeError as error:
        raise SystemExit(f'install_missing: {error}') from None
    print('installed: ' + ', '.join(installed)
          if installed else 'nothing to install: every requirement is met')


if __name__ == '__main__':
    main()
