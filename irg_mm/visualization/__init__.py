# Copyright (c) irg_mm contributors. All rights reserved.
"""The teacher's and the student's IRG terms of a distillation checkpoint:
read on validation data (checkpoint_graphs), drawn (graph_figure) and
compared in a table (agreement_table); tools/analysis/visualize_irg.py is
their command line."""
from .agreement_table import agreement_table
from .checkpoint_graphs import (BatchGraphs, first_val_batch,
                                load_distill_model, read_checkpoint_graphs,
                                record_graphs)
from .graph_figure import draw_graph_figure, figure_blocks, save_png

__all__ = [
    'BatchGraphs', 'agreement_table', 'draw_graph_figure', 'figure_blocks',
    'first_val_batch', 'load_distill_model', 'read_checkpoint_graphs',
    'record_graphs', 'save_png'
]
