# Copyright (c) irg_mm contributors. All rights reserved.
"""The tools stay thin command lines over the package: no tool imports
another, nothing edits ``sys.path``, the median tool is short."""
import ast
import os.path as osp
import statistics
from glob import glob
from typing import List

from conftest import REPO_ROOT

TOOL_FILES = sorted(
    glob(osp.join(REPO_ROOT, 'tools', '**', '*.py'), recursive=True))
# mmpretrain's tools have a median of about 80 lines.
MEDIAN_TOOL_LINES = 120


def _tree(path: str) -> ast.AST:
    with open(path, encoding='utf-8') as f:
        return ast.parse(f.read(), path)


def _imported_modules(path: str) -> List[str]:
    """The top-level names of every module ``path`` imports."""
    names = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names += [alias.name.split('.')[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module.split('.')[0])
    return names


def _edits_sys_path(path: str) -> bool:
    """Whether ``path`` reads or changes ``sys.path`` anywhere."""
    return any(
        isinstance(node, ast.Attribute) and node.attr == 'path'
        and isinstance(node.value, ast.Name) and node.value.id == 'sys'
        for node in ast.walk(_tree(path)))


def test_no_tool_imports_another_tool():
    tool_names = {osp.splitext(osp.basename(p))[0] for p in TOOL_FILES}
    assert {'train', 'gpu_check', 'install_missing'} <= tool_names
    found = {
        osp.relpath(path, REPO_ROOT):
        sorted(set(_imported_modules(path)) & tool_names)
        for path in TOOL_FILES
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_nothing_edits_sys_path():
    files = [
        path for folder in ('tools', 'tests', 'irg_mm') for path in glob(
            osp.join(REPO_ROOT, folder, '**', '*.py'), recursive=True)
    ]
    assert len(files) > 100
    assert [osp.relpath(p, REPO_ROOT) for p in files
            if _edits_sys_path(p)] == []


def test_the_median_tool_is_short():
    lengths = {}
    for path in TOOL_FILES:
        with open(path, encoding='utf-8') as f:
            lengths[osp.relpath(path, REPO_ROOT)] = len(f.readlines())
    assert statistics.median(lengths.values()) < MEDIAN_TOOL_LINES, lengths
