# Copyright (c) irg_mm contributors. All rights reserved.
"""Draw the teacher's and the student's IRG terms side by side.

One row per IRG term of the distiller:

- an edge term (``IRGEdgeLoss``): the teacher's and the student's ``B x B``
  edge matrix and student minus teacher. Edge terms that share one teacher
  matrix (one teacher layer supervising several student layers, as in the
  one-to-many mode) sit in adjacent rows, and their teacher matrix is drawn
  once, spanning those rows;
- a transformation term (``IRGTransformLoss``): the two transformation
  vectors in one plot.

Instances are sorted by class and class boundaries are marked. The figure
is ``COLUMNS * PANEL_INCHES`` inches wide and ``PANEL_INCHES`` per edge term
plus ``TRANSFORM_ROW_INCHES`` per transformation term tall: at ``dpi`` 100,
960 pixels wide, 320 per edge term and 200 per transformation term.
"""
from typing import Dict, List, Tuple

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from mmengine.utils import track_iter_progress
from PIL import Image
from torch import Tensor

from irg_mm.engine import GraphPair
from irg_mm.engine.graph_agreement import EDGE

# Edge rows are three square panels; a transformation row is one wide plot.
PANEL_INCHES = 3.2
TRANSFORM_ROW_INCHES = 2.0
COLUMNS = 3

# pearson r and mean absolute difference of one term, see GraphPair.
Agreement = Dict[str, float]
# The agreement of each term, by loss name.
AgreementOf = Dict[str, Agreement]
# (label, start, end) of each run of one class in the sorted batch.
Segments = List[Tuple[int, int, int]]


def class_segments(sorted_labels: Tensor) -> Segments:
    """Runs of equal labels in a sorted label vector.

    Args:
        sorted_labels (Tensor): Labels sorted ascending.

    Returns:
        list[tuple[int, int, int]]: ``(label, start, end)`` of each run,
        ``end`` exclusive.

    Examples:
        >>> class_segments(torch.tensor([0, 0, 2, 3, 3]))
        [(0, 0, 2), (2, 2, 3), (3, 3, 5)]
    """
    labels, counts = torch.unique_consecutive(
        sorted_labels, return_counts=True)
    ends = counts.cumsum(0).tolist()
    starts = [0] + ends[:-1]
    return list(zip(labels.tolist(), starts, ends))


def _mark_classes(ax: Axes, segments: Segments, classes: List[str],
                  matrix: bool) -> None:
    """Draw class boundaries and put class names at the segment centres."""
    centres = [(start + end - 1) / 2 for _, start, end in segments]
    names = [classes[label] for label, _, _ in segments]
    ax.set_xticks(centres, names, fontsize=6)
    for _, _, end in segments[:-1]:
        ax.axvline(end - 0.5, color='white' if matrix else 'grey', lw=0.6)
        if matrix:
            ax.axhline(end - 0.5, color='white', lw=0.6)
    if matrix:
        ax.set_yticks(centres, names, fontsize=6)


def _shares_teacher(block: List[GraphPair], pair: GraphPair) -> bool:
    """Whether ``pair`` is an edge term with the teacher matrix of an edge
    block."""
    return (pair.kind == EDGE and block[0].kind == EDGE
            and torch.equal(block[0].teacher, pair.teacher))


def figure_blocks(pairs: List[GraphPair]) -> List[List[GraphPair]]:
    """Group the terms into the blocks of rows of the figure.

    Edge terms with equal teacher matrices (one teacher layer supervising
    several student layers, the paper's one-to-many mode) form one block,
    placed where the first of them is, and share one teacher panel. Every
    other term is a block of its own.

    Args:
        pairs (list[GraphPair]): The terms, in the distiller's order.

    Returns:
        list[list[GraphPair]]: The blocks, in the order of their first term.
    """
    blocks: List[List[GraphPair]] = []
    for pair in pairs:
        shared = next(
            (block for block in blocks if _shares_teacher(block, pair)), None)
        if shared is None:
            blocks.append([pair])
        else:
            shared.append(pair)
    return blocks


def _show_matrix(ax: Axes,
                 values: Tensor,
                 title: str,
                 cmap: str,
                 limits: Tuple[float, float],
                 segments: Segments,
                 classes: List[str],
                 colorbar_shrink: float = 1.0) -> None:
    """Draw one class-sorted matrix with its title and colour bar."""
    image = ax.imshow(
        values.cpu(),
        cmap=cmap,
        vmin=limits[0],
        vmax=limits[1],
        interpolation='nearest')
    ax.set_title(title, fontsize=8)
    _mark_classes(ax, segments, classes, matrix=True)
    colorbar = ax.figure.colorbar(
        image, ax=ax, fraction=0.046, pad=0.02, shrink=colorbar_shrink)
    colorbar.ax.tick_params(labelsize=6)


def _draw_edge_block(fig: Figure, grid: GridSpec, first_row: int,
                     block: List[GraphPair], order: Tensor, segments: Segments,
                     classes: List[str], agreements: AgreementOf) -> None:
    """Draw the teacher matrix of a block once, spanning its rows, and the
    student and student minus teacher of each of its edge terms."""
    teacher = block[0].teacher[order][:, order]
    title = f'teacher {block[0].teacher_source}'
    if len(block) > 1:
        title += '\nfor ' + ', '.join(pair.short_name for pair in block)
    _show_matrix(
        fig.add_subplot(grid[first_row:first_row + len(block), 0]),
        teacher,
        title,
        'viridis', (0, 1),
        segments,
        classes,
        colorbar_shrink=1 / len(block))
    for row, pair in enumerate(block, start=first_row):
        student = pair.student[order][:, order]
        difference = student - teacher
        limit = max(difference.abs().max().item(), 1e-6)
        agreement = agreements[pair.loss_name]
        _show_matrix(
            fig.add_subplot(grid[row, 1]), student,
            f'student {pair.student_source}', 'viridis', (0, 1), segments,
            classes)
        _show_matrix(
            fig.add_subplot(grid[row, 2]), difference,
            f'{pair.short_name}: student - teacher\n'
            f'r = {agreement["corr"]:.3f}, MAD = {agreement["mad"]:.3f}',
            'RdBu_r', (-limit, limit), segments, classes)


def _draw_transform(ax: Axes, pair: GraphPair, order: Tensor,
                    segments: Segments, classes: List[str],
                    agreement: Agreement) -> None:
    """Plot the teacher's and the student's transformation vectors."""
    for values, label in ((pair.teacher, f'teacher {pair.teacher_source}'),
                          (pair.student, f'student {pair.student_source}')):
        ax.plot(values[order].cpu(), marker='.', lw=0.8, label=label)
    ax.set_title(
        f'{pair.short_name}: r = {agreement["corr"]:.3f}, '
        f'MAD = {agreement["mad"]:.3f}',
        fontsize=8)
    ax.set_ylabel('Lambda / max', fontsize=7)
    # Values lie in [0, 1]; the headroom above keeps the legend off them.
    ax.set_ylim(0, 1.35)
    ax.set_yticks([0, 0.5, 1])
    ax.set_xlim(-0.5, len(order) - 0.5)
    _mark_classes(ax, segments, classes, matrix=False)
    ax.tick_params(axis='y', labelsize=6)
    ax.legend(fontsize=6, ncols=2, loc='upper right')


def draw_graph_figure(pairs: List[GraphPair], agreements: List[Agreement],
                      labels: Tensor, classes: List[str], title: str,
                      dpi: int) -> Figure:
    """Lay out one row per IRG term, edge terms that share a teacher matrix
    next to each other; see the module docstring for the sizes.

    Args:
        pairs (list[GraphPair]): The terms, in the distiller's order.
        agreements (list[dict[str, float]]): ``pair.agreement()`` of each
            term, shown in its titles.
        labels (Tensor): The ``[B]`` labels of the instances.
        classes (list[str]): The class names, by label.
        title (str): The figure's title.
        dpi (int): Pixels per inch.

    Returns:
        Figure: The figure, with an Agg canvas (no window, no pyplot).

    Examples:
        >>> pair = GraphPair('loss_irg_edge0', 'edge', 'student.a',
        ...                  'teacher.a', torch.eye(2), torch.eye(2))
        >>> fig = draw_graph_figure([pair], [pair.agreement()],
        ...                         torch.tensor([1, 0]), ['cat', 'dog'],
        ...                         'one edge term', dpi=10)
        >>> fig.canvas.get_width_height()
        (96, 32)
    """
    order = torch.argsort(labels, stable=True)
    segments = class_segments(labels[order])
    blocks = figure_blocks(pairs)
    heights = [
        PANEL_INCHES if pair.kind == EDGE else TRANSFORM_ROW_INCHES
        for block in blocks for pair in block
    ]
    agreement_of = {
        pair.loss_name: agreement
        for pair, agreement in zip(pairs, agreements)
    }
    fig = Figure(
        figsize=(COLUMNS * PANEL_INCHES, sum(heights)),
        dpi=dpi,
        layout='constrained')
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas
    fig.suptitle(title, fontsize=9)
    grid = fig.add_gridspec(len(heights), COLUMNS, height_ratios=heights)
    row = 0
    for block in track_iter_progress(blocks):
        if block[0].kind == EDGE:
            _draw_edge_block(fig, grid, row, block, order, segments, classes,
                             agreement_of)
        else:
            _draw_transform(
                fig.add_subplot(grid[row, :]), block[0], order, segments,
                classes, agreement_of[block[0].loss_name])
        row += len(block)
    return fig


def save_png(fig: Figure, path: str) -> None:
    """Save the figure as a 256-colour PNG.

    Matplotlib writes 32-bit RGBA; the colormaps have 256 entries, so an
    adaptive palette looks the same at about a third of the file size.

    Args:
        fig (Figure): The figure.
        path (str): The PNG file to write.
    """
    fig.canvas.draw()
    rgb = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert('RGB')
    palette = rgb.quantize(
        colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)
