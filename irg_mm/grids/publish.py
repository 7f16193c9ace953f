# Copyright (c) irg_mm contributors. All rights reserved.
"""Where a grid's results are shown: the marked blocks of README, docs and
the model zoo, and the figures, that ``run_benchmark.py --publish`` writes
from what the report wrote.

A spec's ``publish`` maps a repository file to what it shows. A text file
maps block tags to report parts; the block sits between the lines holding
``<!-- tag -->`` and ``<!-- /tag -->`` (in a YAML file, inside comments). A
figure maps to the report's image it copies::

    publish = {
        'README.md': {'fashion-mnist-tuned-results': 'methods'},
        'configs/fashion_mnist/metafile.yml': {'tuned-models': 'metafile'},
        'docs/images/fashion_mnist_tuned_results.png': 'results.png',
    }
"""
import os.path as osp
import shutil
from typing import Dict, List, Tuple

from .spec import GridSpecError

# Each text part: the report file it comes from, and whether only its first
# table (the methods) is shown.
PARTS = {
    'results': ('results.md', False),
    'methods': ('results.md', True),
    'zoo_rows': ('model_zoo.md', False),
    'metafile': ('metafile.yml', False),
}
FIGURES = ('results.png', 'tuning.png', 'curves.png')


def _marker_line(lines: List[str], marker: str, path: str, tag: str) -> int:
    found = [i for i, line in enumerate(lines) if marker in line]
    if len(found) != 1:
        raise GridSpecError(
            f'publish.{path}.{tag}: {path} holds the line "{marker}" '
            f'{len(found)} times; mark the block once with <!-- {tag} --> '
            f'and <!-- /{tag} --> lines')
    return found[0]


def block_bounds(text: str, tag: str, path: str) -> Tuple[int, int]:
    """The line span a block's contents occupy.

    Args:
        text (str): The file's text.
        tag (str): The block's tag.
        path (str): The file, for the error message.

    Returns:
        Tuple[int, int]: ``(first, end)`` line indices, the contents being
        ``lines[first:end]``.

    Raises:
        GridSpecError: A marker is missing, doubled or out of order.

    Examples:
        >>> block_bounds('a\\n<!-- t -->\\nold\\n<!-- /t -->\\n', 't', 'x.md')
        (2, 3)
    """
    lines = text.splitlines()
    opening = _marker_line(lines, f'<!-- {tag} -->', path, tag)
    closing = _marker_line(lines, f'<!-- /{tag} -->', path, tag)
    if closing < opening:
        raise GridSpecError(f'publish.{path}.{tag}: <!-- /{tag} --> comes '
                            f'before <!-- {tag} -->; swap them')
    return opening + 1, closing


def block(text: str, tag: str, path: str) -> str:
    """The contents of a marked block, as :func:`replace_block` writes it.

    Examples:
        >>> block('<!-- t -->\\nrow\\n<!-- /t -->\\n', 't', 'x.md')
        'row\\n'
    """
    first, end = block_bounds(text, tag, path)
    return ''.join(line + '\n' for line in text.splitlines()[first:end])


def replace_block(text: str, tag: str, contents: str, path: str) -> str:
    """The text with a marked block's contents replaced.

    Examples:
        >>> replace_block('<!-- t -->\\nold\\n<!-- /t -->\\n', 't', 'new',
        ...               'x.md')
        '<!-- t -->\\nnew\\n<!-- /t -->\\n'
    """
    first, end = block_bounds(text, tag, path)
    lines = text.splitlines()
    lines[first:end] = contents.strip('\n').splitlines()
    return '\n'.join(lines) + '\n'


def part_text(part: str, report_dir: str) -> str:
    """A report part as its block shows it.

    Args:
        part (str): A key of :data:`PARTS`.
        report_dir (str): Where the report wrote its files.

    Returns:
        str: The text, ending with one newline.
    """
    name, first_table = PARTS[part]
    with open(osp.join(report_dir, name), encoding='utf-8') as f:
        text = f.read().strip('\n')
    if first_table:
        text = text.split('\n\n')[0]
    return text + '\n'


def published_blocks(spec) -> Dict[Tuple[str, str], str]:
    """``{(file, tag): part}`` of every text block the spec publishes."""
    return {
        (path, tag): part
        for path, shows in spec.get('publish', {}).items()
        if not isinstance(shows, str) for tag, part in shows.items()
    }


def published_figures(spec) -> Dict[str, str]:
    """``{file: report figure}`` of every figure the spec publishes."""
    return {
        path: shows
        for path, shows in spec.get('publish', {}).items()
        if isinstance(shows, str)
    }


def check_publish(spec) -> None:
    """Check a spec's ``publish`` names known parts and figures.

    Raises:
        GridSpecError: The first unknown part or figure, with the choices.
    """
    for path, figure in published_figures(spec).items():
        if figure not in FIGURES:
            raise GridSpecError(
                f'publish.{path}: {figure!r} is not a figure the report '
                f'writes; choose one of {list(FIGURES)}')
    for (path, tag), part in published_blocks(spec).items():
        if part not in PARTS:
            raise GridSpecError(
                f'publish.{path}.{tag}: {part!r} is not a report part; '
                f'choose one of {list(PARTS)}')
        if part in ('zoo_rows', 'metafile') and not spec.get('model_zoo'):
            raise GridSpecError(
                f'publish.{path}.{tag}: {part!r} needs model_zoo = '
                "dict(teacher=..., student=...) in the spec")


def _read_targets(spec, root: str) -> Dict[str, str]:
    """``{file: text}`` of the text files the spec publishes into, each
    checked to hold its blocks' markers."""
    texts = {}
    for path, tag in published_blocks(spec):
        if path not in texts:
            if not osp.isfile(osp.join(root, path)):
                raise GridSpecError(f'publish.{path}: no such file under '
                                    f'{root}; fix the path or create it')
            with open(osp.join(root, path), encoding='utf-8') as f:
                texts[path] = f.read()
        block_bounds(texts[path], tag, path)
    return texts


def _figure_targets(spec, root: str) -> Dict[str, str]:
    """``{file: report figure}`` of the figures the spec publishes, each
    checked to go into an existing folder."""
    figures = published_figures(spec)
    for path in figures:
        if not osp.isdir(osp.dirname(osp.join(root, path))):
            raise GridSpecError(f'publish.{path}: its folder does not exist '
                                f'under {root}; fix the path or create it')
    return figures


def check_targets(spec, root: str) -> None:
    """Check, before any training, that every file the spec publishes into
    exists and marks each of its blocks once, and every figure's folder
    exists.

    Raises:
        GridSpecError: The first missing file, marker or folder, with the
            fix.
    """
    _read_targets(spec, root)
    _figure_targets(spec, root)


def publish(spec, report_dir: str, root: str) -> List[str]:
    """Write the report's parts into the spec's blocks and copy its figures.

    Every block is checked before any file is written, so a missing marker
    changes nothing.

    Args:
        spec: The grid spec, with ``publish``.
        report_dir (str): Where :func:`write_report` wrote its files.
        root (str): The repository the ``publish`` paths are relative to.

    Returns:
        List[str]: The files written, relative to ``root``.

    Raises:
        GridSpecError: A file or block marker is missing.
    """
    texts = _read_targets(spec, root)
    figures = _figure_targets(spec, root)
    for (path, tag), part in published_blocks(spec).items():
        texts[path] = replace_block(texts[path], tag,
                                    part_text(part, report_dir), path)
    for path, text in texts.items():
        with open(osp.join(root, path), 'w', encoding='utf-8') as f:
            f.write(text)
    copied = []
    for path, figure in figures.items():
        # A report without tuning runs draws no tuning curves.
        if osp.isfile(osp.join(report_dir, figure)):
            shutil.copyfile(osp.join(report_dir, figure), osp.join(root, path))
            copied.append(path)
    return [*texts, *copied]
