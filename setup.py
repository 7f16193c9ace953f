# Copyright (c) irg_mm contributors. All rights reserved.
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def readme() -> str:
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    with open(osp.join(HERE, 'irg_mm', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def parse_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>``, comments dropped."""
    path = osp.join(HERE, 'requirements', name)
    with open(path, encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line and not line.startswith('-')]


setup(
    name='irg_mm',
    version=get_version(),
    description='Instance Relationship Graph knowledge distillation '
    '(Liu et al., CVPR 2019) for MMRazor',
    long_description=readme(),
    long_description_content_type='text/markdown',
    keywords='knowledge distillation, instance relationship graph, mmrazor',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.8',
    # OpenMMLab packages are installed with the matching build (mmcv or
    # mmcv-lite, CUDA or CPU torch) by the user or `mim`, so they are extras.
    install_requires=parse_requirements('runtime.txt'),
    extras_require={
        'mim':
        parse_requirements('mminstall.txt'),
        'tests':
        parse_requirements('tests.txt'),
        'all':
        parse_requirements('runtime.txt') +
        parse_requirements('mminstall.txt') + parse_requirements('tests.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False)
