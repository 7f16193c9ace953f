# Copyright (c) irg_mm contributors. All rights reserved.
"""The graph figure's layout on hand-made terms."""
import pytest
import torch
from PIL import Image

from irg_mm.engine import GraphPair
from irg_mm.visualization import draw_graph_figure, save_png

B = 8
LABELS = torch.arange(B) % 2
CLASSES = ['even', 'odd']


def edge(index: int, teacher_source: str, teacher: torch.Tensor):
    return GraphPair(f'loss_irg_edge{index}', 'edge', f'student.{index}',
                     teacher_source, torch.rand(B, B), teacher)


def transform(index: int):
    return GraphPair(f'loss_irg_transform{index}', 'transform',
                     f'student.{index}', f'teacher.{index}', torch.rand(B),
                     torch.rand(B))


@pytest.fixture
def one_to_many():
    """Three edge terms of one teacher matrix, as in the MTK configs, and
    two transformation terms."""
    torch.manual_seed(0)
    teacher = torch.rand(B, B)
    return ([edge(i, 'teacher.layer3', teacher)
             for i in range(3)] + [transform(0), transform(1)])


def draw(pairs: list, dpi: int = 50):
    return draw_graph_figure(pairs, [pair.agreement() for pair in pairs],
                             LABELS, CLASSES, 'test', dpi)


def panel_titles(fig) -> list:
    """The titles of the figure's plots (colour bars have none)."""
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_one_to_many_draws_the_teacher_matrix_once(one_to_many):
    titles = panel_titles(draw(one_to_many))
    assert [t for t in titles if t.startswith('teacher')
            ] == ['teacher teacher.layer3\nfor edge0, edge1, edge2']
    assert sum(t.startswith('student') for t in titles) == 3
    assert sum('student - teacher' in t for t in titles) == 3
    assert sum(t.startswith('transform') for t in titles) == 2


def test_different_teacher_matrices_each_get_a_panel():
    torch.manual_seed(0)
    pairs = [
        edge(i, source, torch.rand(B, B))
        for i, source in enumerate(['teacher.a', 'teacher.b'])
    ]
    assert [t for t in panel_titles(draw(pairs)) if t.startswith('teacher')
            ] == ['teacher teacher.a', 'teacher teacher.b']


def test_png_has_the_documented_size(tmp_path, one_to_many):
    path = str(tmp_path / 'irg.png')
    save_png(draw(one_to_many), path)
    with Image.open(path) as image:
        # 3 panels of 3.2 in wide; 3.2 in per edge term (3 here) and 2.0 in
        # per transformation term (2 here), at 50 dpi; 256 colours.
        assert image.size == (480, 680)
        assert image.mode == 'P'
