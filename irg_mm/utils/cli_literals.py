# Copyright (c) irg_mm contributors. All rights reserved.
"""Read config values such as ``[dict(type='X', interval=1)]`` from the
command line without running them.

mmengine's ``DictAction`` knows lists, tuples and plain values only: a
``dict(...)`` inside a list (``--cfg-options custom_hooks=[dict(...)]``)
sends it into an endless recursion. :class:`CfgOptionsAction` reads such
values as Python literals in which ``dict(key=value, ...)`` is a dict, and
:func:`hook_config` reads one ``--custom-hooks`` entry. Nothing is evaluated:
names, calls other than ``dict(...)`` and expressions are refused.
"""
import argparse
import ast
from typing import Any, Dict, Optional, Sequence

from mmengine.config import DictAction

HINT = ("quote strings and use dict(key=value, ...) with literal values, "
        "e.g. [dict(type='IRGGraphMonitorHook', interval=10)]")
# What ast.literal_eval reads (after dict(...) calls became dicts).
LITERAL_NODES = (ast.Expression, ast.Constant, ast.List, ast.Tuple, ast.Set,
                 ast.Dict, ast.UnaryOp, ast.UAdd, ast.USub, ast.Load)


class _DictCallsToDicts(ast.NodeTransformer):
    """Rewrite ``dict(key=value, ...)`` calls as ``{'key': value, ...}``."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        keywords = node.keywords
        if not (isinstance(node.func, ast.Name) and node.func.id == 'dict'
                and not node.args and all(kw.arg for kw in keywords)):
            return node  # ast.literal_eval refuses it
        return ast.Dict(
            keys=[ast.Constant(kw.arg) for kw in keywords],
            values=[kw.value for kw in keywords])


def _first_non_literal(source: str, tree: ast.AST) -> Optional[str]:
    """The source of the first part of ``tree`` that is not a literal."""
    for node in ast.walk(tree):
        if not isinstance(node, LITERAL_NODES):
            return ast.get_source_segment(source, node)
    return None


def literal_with_dicts(text: str) -> Any:
    """Read a Python literal in which ``dict(key=value, ...)`` is a dict.

    Args:
        text (str): E.g. ``"[dict(type='IRGGraphMonitorHook', interval=1)]"``.

    Returns:
        Any: The value; strings, numbers, booleans, None, lists, tuples,
        sets and dicts only.

    Raises:
        ValueError: When ``text`` is not such a literal (a name, another
            call, an expression, a syntax error); the message names the
            part that is not.

    Examples:
        >>> literal_with_dicts("[dict(type='ChannelsLastHook'), {'a': 1}]")
        [{'type': 'ChannelsLastHook'}, {'a': 1}]
    """
    source = text.strip()
    try:
        tree = _DictCallsToDicts().visit(ast.parse(source, mode='eval'))
    except SyntaxError as error:
        raise ValueError(f'{text!r} is not a literal (syntax error: '
                         f'{error.msg}); {HINT}') from None
    try:
        return ast.literal_eval(tree)
    except (ValueError, TypeError) as error:
        part = _first_non_literal(source, tree)
        reason = f'{part!r} is not a value' if part else str(error)
        raise ValueError(
            f'{text!r} is not a literal: {reason}; {HINT}') from None


def hook_config(text: str) -> dict:
    """Read one ``--custom-hooks`` entry, a ``dict(type=..., ...)``.

    Args:
        text (str): E.g. ``"dict(type='IRGGraphMonitorHook', interval=1)"``.

    Returns:
        dict: The hook config.

    Raises:
        argparse.ArgumentTypeError: When ``text`` is not a dict literal with
            a ``type``; argparse prints it as the tool's error.

    Examples:
        >>> hook_config("dict(type='IRGGraphMonitorHook', interval=1)")
        {'type': 'IRGGraphMonitorHook', 'interval': 1}
    """
    try:
        hook = literal_with_dicts(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if not isinstance(hook, dict) or 'type' not in hook:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a hook config; write one '
            "dict(type='HookName', ...) per hook, e.g. "
            "\"dict(type='IRGGraphMonitorHook', interval=10)\"")
    return hook


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` that also reads ``dict(...)`` values.

    A value that contains ``dict(`` is read by :func:`literal_with_dicts`
    (strings in it must be quoted); every other value is read by
    ``DictAction`` as before, so ``a=1,2`` and ``b=[x,y]`` keep their
    meaning.

    Examples:
        >>> parser = argparse.ArgumentParser()
        >>> _ = parser.add_argument(
        ...     '--cfg-options', nargs='+', action=CfgOptionsAction)
        >>> parser.parse_args([
        ...     '--cfg-options', 'a=1,2',
        ...     "custom_hooks=[dict(type='ChannelsLastHook')]"]).cfg_options
        {'a': [1, 2], 'custom_hooks': [{'type': 'ChannelsLastHook'}]}
    """

    def __call__(self,
                 parser: argparse.ArgumentParser,
                 namespace: argparse.Namespace,
                 values: Optional[Sequence[str]],
                 option_string: Optional[str] = None) -> None:
        options = dict(getattr(namespace, self.dest, None) or {})
        try:
            options.update(parse_cfg_options(values or []))
        except ValueError as error:
            raise argparse.ArgumentError(self, str(error)) from None
        setattr(namespace, self.dest, options)


def parse_cfg_options(items: Sequence[str]) -> Dict[str, Any]:
    """``KEY=VALUE`` items as ``--cfg-options`` reads them.

    Args:
        items (Sequence[str]): e.g. ``['train_cfg.max_epochs=2']``.

    Returns:
        dict: The values by key, for ``Config.merge_from_dict``.

    Raises:
        ValueError: An item is not ``KEY=VALUE`` or its ``dict(...)`` value
            is not a literal; the message names the key.

    Examples:
        >>> parse_cfg_options(['a=1,2', "h=[dict(type='X')]"])
        {'a': [1, 2], 'h': [{'type': 'X'}]}
    """
    options = {}
    for item in items:
        if '=' not in item:
            raise ValueError(f'{item!r} is not KEY=VALUE, e.g. '
                             'train_cfg.max_epochs=2')
        key, text = item.split('=', maxsplit=1)
        if 'dict(' not in text.replace(' ', ''):
            options[key] = DictAction._parse_iterable(text)
            continue
        try:
            options[key] = literal_with_dicts(text)
        except ValueError as error:
            raise ValueError(f'{key}: {error}') from None
    return options
