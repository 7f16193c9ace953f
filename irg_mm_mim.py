# Copyright (c) irg_mm contributors. All rights reserved.
"""``mim`` as irg_mm installs it: openmim's, also finding editable installs.

openmim 0.3.9 (its last release) runs a package's tools and finds its
configs under ``<distribution location>/<module>/.mim``, the location coming
from ``pkg_resources``. An editable install (``pip install -e .``, as
``make install`` does) puts only the metadata into site-packages and leaves
the package in its checkout, so ``mim train irg_mm CONFIG`` looked for
``site-packages/irg_mm/tools/train.py``, which does not exist.
:func:`main` is openmim's command line with that look-up falling back to
Python's importer, which knows where an editable package lives.

A top-level module of its own, importing neither irg_mm nor torch: it
replaces openmim's ``mim`` script, so ``mim install`` must keep working in an
environment where irg_mm does not import yet (e.g. before ``mim install
mmcv``), and ``mim`` must not pay for importing MMRazor on every call.
"""
import functools
import importlib.util
import os.path as osp
import sys
import warnings
from typing import Callable, NoReturn

# What to do when ``import mim`` misses this top-level module.
INSTALL_HINTS = {
    'mim':
    'openmim is not installed; pip install openmim==0.3.9 opendatalab==0.0.9 '
    '(requirements/pinned.txt says why these versions)',
    'pkg_resources':
    'openmim 0.3.9 imports pkg_resources, which setuptools >= 82 no longer '
    "ships; pip install 'setuptools>=77.0.3,<82'",
}


def find_editable(
        get_installed_path: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap openmim's ``get_installed_path`` to find editable packages too.

    Args:
        get_installed_path (Callable[[str], str]): openmim's function, which
            returns ``<distribution location>/<module>``.

    Returns:
        Callable[[str], str]: The same look-up; where that folder does not
        exist, the folder Python's importer finds for the module instead.
    """

    @functools.wraps(get_installed_path)
    def wrapper(package: str) -> str:
        path = get_installed_path(package)
        if osp.isdir(path):
            return path
        # find_spec of a top-level name imports nothing.
        spec = importlib.util.find_spec(osp.basename(path))
        if spec is None or not spec.submodule_search_locations:
            return path  # mim reports the missing files as before
        return list(spec.submodule_search_locations)[0]

    return wrapper


def patch_openmim() -> None:
    """Give every loaded openmim module the editable-aware look-up.

    openmim's modules bind ``get_installed_path`` by name when imported, and
    its command line compiles each command anew with ``from mim.utils import
    get_installed_path``; both now get the wrapper.
    """
    import mim.utils
    original = mim.utils.get_installed_path
    patched = find_editable(original)
    for name, module in list(sys.modules.items()):
        if (name.split('.')[0] == 'mim'
                and getattr(module, 'get_installed_path', None) is original):
            module.get_installed_path = patched


def main() -> NoReturn:
    """Run openmim's ``mim`` command line with :func:`patch_openmim`."""
    # openmim imports pkg_resources, which warns on every import that it is
    # deprecated; the pinned setuptools still ships it, nothing to act on.
    warnings.filterwarnings(
        'ignore', message='pkg_resources is deprecated', category=UserWarning)
    try:
        from mim.cli import cli
    except ModuleNotFoundError as exc:
        missing = (exc.name or '').split('.')[0]
        if missing not in INSTALL_HINTS:
            raise
        sys.exit(f'error: mim: {INSTALL_HINTS[missing]}')
    patch_openmim()
    cli()
