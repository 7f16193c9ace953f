# Copyright (c) irg_mm contributors. All rights reserved.
"""``irg_mm.utils`` is a leaf: it imports nothing else of irg_mm."""
import ast
import os.path as osp
from glob import glob

import irg_mm.utils

UTILS_DIR = osp.dirname(irg_mm.utils.__file__)


def _irg_mm_imports(path: str) -> list:
    """Modules of irg_mm outside ``irg_mm.utils`` that ``path`` imports."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # Relative imports beyond the package itself (`from ..models`).
            if node.level > 1:
                names.append('.' * node.level + (node.module or ''))
            elif node.level == 0:
                names.append(node.module)
    return [
        name for name in names
        if name.startswith('.') or (name == 'irg_mm' or name.startswith(
            'irg_mm.')) and not name.startswith('irg_mm.utils')
    ]


def test_utils_imports_nothing_else_of_irg_mm():
    modules = sorted(glob(osp.join(UTILS_DIR, '*.py')))
    assert len(modules) >= 4
    found = {
        osp.basename(path): _irg_mm_imports(path)
        for path in modules if _irg_mm_imports(path)
    }
    assert found == {}


def test_the_check_sees_an_import_of_the_package(tmp_path):
    module = tmp_path / 'module.py'
    module.write_text('import os\nfrom irg_mm.errors import ConfigError\n'
                      'def f():\n    from ..models import losses\n')
    assert _irg_mm_imports(str(module)) == ['irg_mm.errors', '..models']
