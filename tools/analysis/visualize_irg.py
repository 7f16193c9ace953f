# Copyright (c) irg_mm contributors. All rights reserved.
"""Draw the teacher's and the student's instance relationship graphs.

Builds a distillation config's model, loads a distillation checkpoint (the
teacher's weights come from it, or from the config's ``teacher_ckpt`` when it
holds only the student), runs teacher and student on the first batch of the
config's validation data, exactly as a training step records them, and
writes one PNG with one row per IRG term of the distiller:

- an edge term (``IRGEdgeLoss``): the teacher's and the student's ``B x B``
  edge matrix, each divided by its batch maximum, and student minus teacher.
  Edge terms that share one teacher matrix (one teacher layer supervising
  several student layers, as in the one-to-many mode) sit in adjacent rows,
  and their teacher matrix is drawn once, spanning those rows;
- a transformation term (``IRGTransformLoss``): the two transformation
  vectors, each divided by its batch maximum, in one plot.

Instances are sorted by class and class boundaries are marked. The image is
``3 * PANEL_INCHES * dpi`` pixels wide (960 at the default ``--dpi 100``) and
``(PANEL_INCHES * edges + TRANSFORM_ROW_INCHES * transforms) * dpi``
pixels tall (320 per edge term and 200 per transformation term). The
agreement of each term (Pearson correlation and mean absolute difference,
edge matrices above their diagonal) is printed as a Markdown table.

Example:
    python tools/analysis/visualize_irg.py \
        configs/digits/mtk_resnet8-w8_resnet20_digits.py \
        work_dirs/mtk/epoch_15.pth

writes ``work_dirs/mtk_resnet8-w8_resnet20_digits/irg.png`` (``--out``
writes elsewhere).
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

# isort: off
import irg_mm  # noqa: F401  (compat fixes and registries before MMRazor)
# isort: on
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader
from mmengine.utils import track_iter_progress
from mmrazor.registry import MODELS
from PIL import Image
from torch import Tensor, nn

from irg_mm.engine import GraphPair, collect_graph_pairs
from irg_mm.engine.graph_agreement import EDGE
from irg_mm.preflight import load_config
from irg_mm.preflight.checkpoint_check import unwrapped_state_dict
from irg_mm.preflight.distill_checkpoint import (TEACHER_PREFIX,
                                                 use_checkpoint_teacher)
from irg_mm.utils.cli_literals import CfgOptionsAction

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


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Draw teacher and student instance relationship graphs')
    parser.add_argument('config', help='distillation config file path')
    parser.add_argument('checkpoint', help='distillation checkpoint file')
    parser.add_argument(
        '--batch',
        type=int,
        default=64,
        help='instances in the graph: the first BATCH validation samples '
        '(64 is the paper\'s batch size)')
    parser.add_argument(
        '--out',
        help='PNG file to write; defaults to work_dirs/<config name>/irg.png, '
        'the work dir tools/train.py gives the config')
    parser.add_argument(
        '--dpi', type=int, default=100, help='pixels per inch of the PNG')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, e.g. model.teacher_ckpt=teacher.pth')
    return parser.parse_args(argv)


def default_out(config: str) -> str:
    """Where the figure goes without ``--out``: the config's default work
    dir (``./work_dirs/<config name>``, as in tools/train.py), which git
    ignores, never the current folder.

    Examples:
        >>> default_out('irg_mm::digits/mtk_resnet8-w8_resnet20_digits.py')
        'work_dirs/mtk_resnet8-w8_resnet20_digits/irg.png'
    """
    name = osp.splitext(osp.basename(config))[0]
    return osp.join('work_dirs', name, 'irg.png')


def build_model(cfg: Config, checkpoint: str) -> nn.Module:
    """Build the distillation model and load a distillation checkpoint.

    Args:
        cfg (Config): The distillation config.
        checkpoint (str): A checkpoint of the whole distillation model; its
            ``teacher.*`` weights may be missing when ``model.teacher_ckpt``
            of the config points at the teacher's own checkpoint.

    Returns:
        nn.Module: The model in eval mode.
    """
    use_checkpoint_teacher(cfg, checkpoint)
    model = MODELS.build(cfg.model)
    state_dict = unwrapped_state_dict(
        CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu'))
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    # Without teacher.* weights the teacher came from model.teacher_ckpt.
    missing = [key for key in missing if not key.startswith(TEACHER_PREFIX)]
    if missing or unexpected:
        raise ValueError(f'{checkpoint} does not fit {cfg.model.type}: '
                         f'missing {missing}, unexpected {unexpected}')
    # SingleTeacherDistill.train() returns None, so no chaining.
    model.eval()
    return model


def first_val_batch(cfg: Config, batch_size: int) -> Tuple[dict, List[str]]:
    """The first ``batch_size`` samples of the config's validation data.

    Args:
        cfg (Config): The config, with a ``val_dataloader``.
        batch_size (int): How many samples.

    Returns:
        tuple[dict, list[str]]: The raw batch and the dataset's class names.
    """
    loader_cfg = cfg.val_dataloader.copy()
    loader_cfg.batch_size = batch_size
    loader = Runner.build_dataloader(loader_cfg)
    return next(iter(loader)), list(loader.dataset.metainfo['classes'])


@torch.no_grad()
def record_graphs(model: nn.Module,
                  batch: dict) -> Tuple[List[GraphPair], Tensor]:
    """Run one distillation step without training and read its IRG terms.

    Args:
        model (nn.Module): The distillation model in eval mode.
        batch (dict): A raw batch of the dataloader.

    Returns:
        tuple[list[GraphPair], Tensor]: The IRG terms and the ``[B]``
        ground-truth labels.
    """
    data = model.data_preprocessor(batch, False)
    # The loss mode runs teacher and student inside their recorders, as a
    # training step does.
    model(**data, mode='loss')
    labels = torch.cat([sample.gt_label for sample in data['data_samples']])
    return collect_graph_pairs(model.distiller), labels


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


def mark_classes(ax: Axes, segments: Segments, classes: List[str],
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


def show_matrix(ax: Axes,
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
    mark_classes(ax, segments, classes, matrix=True)
    colorbar = ax.figure.colorbar(
        image, ax=ax, fraction=0.046, pad=0.02, shrink=colorbar_shrink)
    colorbar.ax.tick_params(labelsize=6)


def draw_edge_block(fig: Figure, grid: GridSpec, first_row: int,
                    block: List[GraphPair], order: Tensor, segments: Segments,
                    classes: List[str], agreements: AgreementOf) -> None:
    """Draw the teacher matrix of a block once, spanning its rows, and the
    student and student minus teacher of each of its edge terms."""
    teacher = block[0].teacher[order][:, order]
    title = f'teacher {block[0].teacher_source}'
    if len(block) > 1:
        title += '\nfor ' + ', '.join(pair.short_name for pair in block)
    show_matrix(
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
        show_matrix(
            fig.add_subplot(grid[row, 1]), student,
            f'student {pair.student_source}', 'viridis', (0, 1), segments,
            classes)
        show_matrix(
            fig.add_subplot(grid[row, 2]), difference,
            f'{pair.short_name}: student - teacher\n'
            f'r = {agreement["corr"]:.3f}, MAD = {agreement["mad"]:.3f}',
            'RdBu_r', (-limit, limit), segments, classes)


def draw_transform(ax: Axes, pair: GraphPair, order: Tensor,
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
    mark_classes(ax, segments, classes, matrix=False)
    ax.tick_params(axis='y', labelsize=6)
    ax.legend(fontsize=6, ncols=2, loc='upper right')


def draw(pairs: List[GraphPair], agreements: List[Agreement], labels: Tensor,
         classes: List[str], title: str, dpi: int) -> Figure:
    """Lay out one row per IRG term, edge terms that share a teacher matrix
    next to each other; see the module docstring for sizes."""
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
            draw_edge_block(fig, grid, row, block, order, segments, classes,
                            agreement_of)
        else:
            draw_transform(
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


def agreement_table(pairs: List[GraphPair],
                    agreements: List[Agreement]) -> List[str]:
    """Format the agreement of each term as Markdown table lines."""
    lines = [
        '| term | teacher | student | pearson r | mean abs diff |',
        '|---|---|---|---|---|',
    ]
    for pair, agreement in zip(pairs, agreements):
        lines.append(f'| {pair.short_name} | {pair.teacher_source} | '
                     f'{pair.student_source} | {agreement["corr"]:.4f} | '
                     f'{agreement["mad"]:.4f} |')
    return lines


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Run the tool.

    Args:
        argv (Sequence[str], optional): Command-line arguments. None reads
            ``sys.argv``. Defaults to None.

    Returns:
        list[str]: The printed agreement table.
    """
    args = parse_args(argv)
    cfg = load_config(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = build_model(cfg, args.checkpoint)
    batch, classes = first_val_batch(cfg, args.batch)
    pairs, labels = record_graphs(model, batch)
    if not pairs:
        raise ValueError(f'{args.config} has no IRGEdgeLoss or '
                         'IRGTransformLoss to draw')
    agreements = [pair.agreement() for pair in pairs]
    title = (f'{osp.basename(args.config)}: IRG on {len(labels)} validation '
             'instances sorted by class, each term / its batch max')
    fig = draw(pairs, agreements, labels, classes, title, args.dpi)
    out = args.out or default_out(args.config)
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    save_png(fig, out)
    lines = agreement_table(pairs, agreements)
    print(f'\nwrote {out}\n' + '\n'.join(lines))
    return lines


if __name__ == '__main__':
    main()
