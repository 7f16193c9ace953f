# Copyright (c) irg_mm contributors. All rights reserved.
"""Draw the teacher's and the student's instance relationship graphs.

Loads a distillation checkpoint into its config's model, runs teacher and
student on the first ``--batch`` validation samples as a training step
records them, writes one PNG with one row per IRG term
(``irg_mm/visualization``, whose docstrings give the layout and sizes) and
prints the agreement of each term as a Markdown table.

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

from irg_mm.launch import exit_on_user_error, load_config
from irg_mm.utils.cli_literals import CfgOptionsAction
from irg_mm.visualization import (agreement_table, draw_graph_figure,
                                  read_checkpoint_graphs, save_png)


def parse_args() -> argparse.Namespace:
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
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    config_name = osp.splitext(osp.basename(args.config))[0]
    # Never the current folder: the config's work dir, which git ignores.
    out = args.out or osp.join('work_dirs', config_name, 'irg.png')
    with exit_on_user_error():
        cfg = load_config(args.config)
        if args.cfg_options is not None:
            cfg.merge_from_dict(args.cfg_options)
        graphs = read_checkpoint_graphs(cfg, args.checkpoint, args.batch)
    agreements = [pair.agreement() for pair in graphs.pairs]
    title = (f'{osp.basename(args.config)}: IRG on {len(graphs.labels)} '
             'validation instances sorted by class, each term / its batch '
             'max')
    fig = draw_graph_figure(graphs.pairs, agreements, graphs.labels,
                            graphs.classes, title, args.dpi)
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    save_png(fig, out)
    print(f'\nwrote {out}\n' +
          '\n'.join(agreement_table(graphs.pairs, agreements)))


if __name__ == '__main__':
    main()
