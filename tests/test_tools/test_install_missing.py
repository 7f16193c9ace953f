# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/analysis/install_missing.py over a made-up set of installed
distributions, through its command line.

It runs before irg_mm's dependencies exist, so it stays a script that needs
only the standard library and ``packaging``. Here it runs from a copy of
the checkout with made-up requirement files, under ``python -S`` (so the
venv's distributions are not seen) with a site folder of made-up
``.dist-info`` folders, and a stand-in ``pip`` that logs its command and
adds the distributions asked for.
"""
import inspect
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import packaging
from conftest import REPO_ROOT


def add_distribution(site: str,
                     name: str,
                     version: str,
                     requires: Sequence[str] = ()) -> None:
    """Make ``name`` look installed in ``site`` (its metadata only)."""
    # Underscored, as importlib.metadata expects; one folder per name, so
    # that installing again replaces the version, as pip does.
    dist_info = os.path.join(site, name.replace('-', '_') + '.dist-info')
    os.makedirs(dist_info, exist_ok=True)
    lines = ['Metadata-Version: 2.1', f'Name: {name}', f'Version: {version}']
    lines += [f'Requires-Dist: {r}' for r in requires]
    with open(os.path.join(dist_info, 'METADATA'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


# ``python -m pip install [-c FILE] [--no-deps] PIP_ARGS... SPECS...``: logs
# its arguments (and the constraints file), then adds each spec at its pinned
# version, or 1.0.0, with the dependencies FAKE_PIP_REQUIRES gives it.
FAKE_PIP = 'import json, os, re, sys\nfrom typing import Sequence\n' + \
    inspect.getsource(add_distribution) + '''
site, args = os.environ['FAKE_SITE'], sys.argv[2:]
constraints = args[args.index('-c') + 1] if '-c' in args else None
specs = [a for a in args if not a.startswith('-') and a != constraints]
with open(os.path.join(site, 'pip.log'), 'a') as log:
    log.write(json.dumps(dict(args=args, constraints=constraints and open(
        constraints).read())) + '\\n')
requires = json.loads(os.environ['FAKE_PIP_REQUIRES'])
for spec in specs:
    name, version = re.match(r'([\\w.-]+)(?:==(.+))?$', spec).groups()
    add_distribution(site, name, version or '1.0.0', requires.get(name, ()))
'''


def install_missing(tmp_path,
                    installed: Dict[str, tuple],
                    requirements: Dict[str, List[str]],
                    pip_requires: Optional[Dict[str, list]] = None,
                    pip_args: str = '') -> subprocess.CompletedProcess:
    """Run the tool in a checkout with ``requirements`` (file stem ->
    lines), where ``installed`` (name -> (version, requires)) is all there
    is."""
    checkout, site = tmp_path / 'checkout', tmp_path / 'site'
    (checkout / 'tools' / 'analysis').mkdir(parents=True)
    shutil.copy(
        osp.join(REPO_ROOT, 'tools', 'analysis', 'install_missing.py'),
        checkout / 'tools' / 'analysis')
    (checkout / 'requirements').mkdir()
    for stem, lines in requirements.items():
        (checkout / 'requirements' /
         f'{stem}.txt').write_text('\n'.join(lines) + '\n')
    (site / 'pip').mkdir(parents=True)
    (site / 'pip' / '__init__.py').write_text('')
    (site / 'pip' / '__main__.py').write_text(FAKE_PIP)
    (site / 'packaging').symlink_to(osp.dirname(packaging.__file__))
    for name, (version, requires) in installed.items():
        add_distribution(str(site), name, version, requires)
    return subprocess.run(
        [sys.executable, '-S', 'tools/analysis/install_missing.py'] +
        ([f'--pip-args={pip_args}'] if pip_args else []),
        cwd=checkout,
        env=dict(
            os.environ,
            PYTHONPATH=str(site),
            FAKE_SITE=str(site),
            FAKE_PIP_REQUIRES=json.dumps(pip_requires or {})),
        capture_output=True,
        text=True,
        timeout=60)


def pip_calls(tmp_path) -> List[dict]:
    """What the stand-in pip was asked, call by call."""
    with open(tmp_path / 'site' / 'pip.log') as log:
        return [json.loads(line) for line in log]


def test_installs_what_is_unmet_in_rounds_keeping_torch(tmp_path):
    result = install_missing(
        tmp_path,
        installed={
            'mmcv-lite': ('2.1.0', ['opencv-python>=3', 'addict']),
            'opencv-python-headless': ('4.9.0', []),
            'mmengine': ('0.10.5', []),
            'torch':
            ('2.11.0+cu130', ['nvidia-cublas; sys_platform == "linux"']),
            'pytest': ('8.0', ['colorama; extra == "dev"']),
        },
        requirements=dict(
            mminstall=[
                'torch>=2.1', 'torchvision', 'mmcv>=2.0.0,<=2.1.0',
                'mmengine>=0.10.7', 'mmrazor'
            ],
            runtime=['# comment only'],
            tests=['pytest'],
            pinned=[
                'torchvision==0.29.1', 'mmcv-lite==2.1.0', 'mmengine==0.10.7',
                'mmrazor==1.0.0'
            ]),
        # mmrazor arrives without its dependency, found the next round.
        pip_requires={'mmrazor': ['ordered-set']},
        pip_args='--no-index')
    assert result.returncode == 0, result.stderr
    # mmcv-lite provides mmcv, the headless build opencv-python; torch's own
    # dependencies and pytest's extras are not followed; the torch family is
    # resolved against the torch there, the rest pinned, without deps.
    assert result.stdout == ('installed: torchvision, mmengine==0.10.7, '
                             'mmrazor==1.0.0, addict, ordered-set\n')
    calls = pip_calls(tmp_path)
    assert calls == [
        dict(
            args=['-c', calls[0]['args'][1], '--no-index', 'torchvision'],
            constraints='torch==2.11.0+cu130\n'),
        dict(
            args=[
                '--no-deps', '--no-index', 'mmengine==0.10.7',
                'mmrazor==1.0.0', 'addict'
            ],
            constraints=None),
        dict(
            args=['--no-deps', '--no-index', 'ordered-set'], constraints=None)
    ]


def test_install_needs_torch_first(tmp_path):
    result = install_missing(tmp_path, installed={}, requirements={})
    assert result.returncode == 1
    assert result.stderr.startswith(
        'install_missing: torch is not installed: install a CUDA build of '
        'torch>=2.1 first')
