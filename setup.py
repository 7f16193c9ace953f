# Copyright (c) irg_mm contributors. All rights reserved.
import os
import os.path as osp
import platform
import re
import shutil
import sys
from typing import Optional, Sequence

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
# Shipped inside the package as irg_mm/.mim/, where mmengine reads
# `irg_mm::` config paths and mim finds the tools.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


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


def mim_install_mode(argv: Sequence[str]) -> Optional[str]:
    """How a setup.py run with these arguments ships :data:`MIM_FILES`.

    Args:
        argv (Sequence[str]): The setup.py command line.

    Returns:
        str, optional: ``'symlink'`` for an editable install (edits in
        configs/ show at once), ``'copy'`` when building a wheel or sdist
        (``pip install .``), None for other commands.
    """
    # pip runs `editable_wheel` for `pip install -e .`, older tools `develop`.
    if {'develop', 'editable_wheel'} & set(argv):
        return 'copy' if platform.system() == 'Windows' else 'symlink'
    if {'sdist', 'bdist_wheel', 'build', 'install'} & set(argv):
        return 'copy'
    return None


def add_mim_extension(mode: Optional[str]) -> None:
    """Link or copy configs, tools and the model index into irg_mm/.mim.

    Args:
        mode (str, optional): ``'symlink'``, ``'copy'``, or None to leave
            irg_mm/.mim as it is.
    """
    if mode is None:
        return
    mim_path = osp.join(HERE, 'irg_mm', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        source, target = osp.join(HERE, name), osp.join(mim_path, name)
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        if mode == 'symlink':
            os.symlink(osp.relpath(source, mim_path), target)
        elif osp.isdir(source):
            shutil.copytree(
                source,
                target,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(source, target)


def main() -> None:
    """Ship the mim files, then run setuptools."""
    add_mim_extension(mim_install_mode(sys.argv))
    setup(
        name='irg_mm',
        version=get_version(),
        description='Instance Relationship Graph knowledge distillation '
        '(Liu et al., CVPR 2019) for MMRazor',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='knowledge distillation, instance relationship graph, '
        'mmrazor',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
        py_modules=['irg_mm_mim'],
        # irg_mm/.mim, as listed in MANIFEST.in.
        include_package_data=True,
        python_requires='>=3.8',
        # OpenMMLab packages are installed with the matching build (mmcv or
        # mmcv-lite, CUDA or CPU torch) by the user or `mim`: extras.
        install_requires=parse_requirements('runtime.txt'),
        extras_require={
            'mim':
            parse_requirements('mminstall.txt'),
            'tests':
            parse_requirements('tests.txt'),
            'all':
            parse_requirements('runtime.txt') +
            parse_requirements('mminstall.txt') +
            parse_requirements('tests.txt'),
        },
        # openmim's `mim`, which finds irg_mm's tools and configs also in an
        # editable install (irg_mm_mim.py says why); replaces openmim's
        # script, so install irg_mm after openmim.
        entry_points={'console_scripts': ['mim = irg_mm_mim:main']},
        license='Apache License 2.0',
        zip_safe=False)


if __name__ == '__main__':
    main()
