# Copyright (c) irg_mm contributors. All rights reserved.
"""tools/analysis/visualize_irg.py on a freshly built digits MTK distiller."""
import importlib.util
import os.path as osp
import re
import struct

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT

CONFIG = 'configs/digits/mtk_resnet8-w8_resnet20_digits.py'
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'visualize_irg.py')
TERMS = ('edge0', 'edge1', 'edge2', 'transform0', 'transform1')
# The size the tool documents at --dpi 50: 3 panels of 3.2 in wide; 3.2 in
# per edge term (3 here) and 2.0 in per transformation term (2 here).
DPI = 50
PNG_SIZE = (480, 680)
ROW = re.compile(r'^\| (\w+) \| ([^|]+) \| ([^|]+) \| '
                 r'(-?[\d.]+) \| ([\d.]+) \|$')
# What each term of the MTK config compares: (teacher, student) hook points,
# one layer for an edge term, two for a transformation term.
SOURCES = {
    'edge0': (('layer3.2', ), ('layer3.0', )),
    'edge1': (('layer3.2', ), ('layer2.0', )),
    'edge2': (('layer3.2', ), ('layer1.0', )),
    'transform0': (('layer1.2', 'layer2.2'), ('layer1.0', 'layer2.0')),
    'transform1': (('layer2.2', 'layer3.2'), ('layer2.0', 'layer3.0')),
}
BATCH = 32


def png_size(path) -> tuple:
    """Width and height from a PNG's IHDR chunk, after checking the
    signature."""
    with open(path, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG file'
    assert header[12:16] == b'IHDR'
    return struct.unpack('>II', header[16:24])


def agreement_rows(text: str) -> dict:
    """``{term: (teacher, student, pearson r, mean abs diff)}`` of the
    printed table."""
    rows = {}
    for line in text.splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match[1]] = (match[2].strip(), match[3].strip(),
                              float(match[4]), float(match[5]))
    return rows


def pooled_outputs(network: torch.nn.Module, inputs: torch.Tensor) -> dict:
    """``{layer: [B, C] float64 array}``: each block's globally averaged
    output, read with plain forward hooks."""
    outputs = {}
    handles = [
        module.register_forward_hook(
            lambda _, __, out, name=name: outputs.__setitem__(
                name,
                out.mean(dim=(2, 3)).double().numpy()))
        for name, module in network.backbone.named_modules() if name
    ]
    with torch.no_grad():
        network(inputs, mode='tensor')
    for handle in handles:
        handle.remove()
    return outputs


def graph_term(pooled: dict, layers: tuple) -> np.ndarray:
    """An edge matrix (above its diagonal) or a transformation vector,
    over its maximum, by the paper's formulas in numpy."""
    if len(layers) == 1:
        vertices = pooled[layers[0]]
        edges = ((vertices[:, None] - vertices[None])**2).sum(-1)
        values = edges[np.triu_indices(len(vertices), k=1)]
    else:
        # Channels of the wider layer averaged in adjacent groups.
        first, second = (pooled[layer] for layer in layers)
        second = second.reshape(len(second), first.shape[1], -1).mean(-1)
        values = ((first - second)**2).sum(-1)
    return values / values.max()


def expected_agreement(model, cfg) -> dict:
    """``{term: (pearson r, mean abs diff)}`` on the tool's batch (the first
    validation samples), from the networks' outputs alone."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    init_default_scope('mmpretrain')
    loader_cfg = cfg.val_dataloader.copy()
    loader_cfg.batch_size = BATCH
    batch = next(iter(Runner.build_dataloader(loader_cfg)))
    inputs = model.data_preprocessor(batch, False)['inputs']
    model.eval()
    teacher = pooled_outputs(model.teacher, inputs)
    student = pooled_outputs(model.student, inputs)
    expected = {}
    for term, (teacher_layers, student_layers) in SOURCES.items():
        t = graph_term(teacher, teacher_layers)
        s = graph_term(student, student_layers)
        expected[term] = (np.corrcoef(t, s)[0, 1], np.abs(s - t).mean())
    return expected


@pytest.fixture(scope='module')
def distiller():
    """A freshly built (random) distiller of the config, and the config."""
    from mmengine.config import Config
    from mmrazor.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    cfg.model.teacher_ckpt = None
    torch.manual_seed(0)
    return MODELS.build(cfg.model), cfg


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory, distiller) -> dict:
    """A whole-distiller checkpoint, one of the student alone, and the
    teacher's own, all from the fixture's distiller."""
    state_dict = distiller[0].state_dict()
    folder = tmp_path_factory.mktemp('ckpt')
    paths = dict(
        full=folder / 'distiller.pth',
        student=folder / 'student_only.pth',
        teacher=folder / 'teacher.pth')
    student = {
        k: v
        for k, v in state_dict.items() if not k.startswith('teacher.')
    }
    teacher = {
        k[len('teacher.'):]: v
        for k, v in state_dict.items() if k.startswith('teacher.')
    }
    for name, weights in (('full', state_dict), ('student', student),
                          ('teacher', teacher)):
        torch.save({'state_dict': weights}, paths[name])
    return {name: str(path) for name, path in paths.items()}


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('visualize_irg', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_writes_png_and_prints_agreement(tmp_path, checkpoints, distiller,
                                         python_runner):
    out = tmp_path / 'irg.png'
    # The checkpoint holds the teacher, so the config's teacher_ckpt (here a
    # missing file) is not read.
    result = python_runner([
        TOOL, CONFIG, checkpoints['full'], '--batch',
        str(BATCH), '--dpi',
        str(DPI), '--out',
        str(out), '--cfg-options', 'model.teacher_ckpt=missing/teacher.pth'
    ])
    assert png_size(out) == PNG_SIZE
    rows = agreement_rows(result.stdout)
    assert tuple(rows) == TERMS
    expected = expected_agreement(*distiller)
    for term, (teacher, student, corr, mad) in rows.items():
        teacher_layers, student_layers = SOURCES[term]
        assert teacher == ' -> '.join(f'backbone.{layer}'
                                      for layer in teacher_layers)
        assert student == ' -> '.join(f'backbone.{layer}'
                                      for layer in student_layers)
        # The table prints 4 decimals.
        assert corr == pytest.approx(expected[term][0], abs=6e-5), term
        assert mad == pytest.approx(expected[term][1], abs=6e-5), term


def test_teacher_from_config_gives_the_same_figures(tmp_path, checkpoints,
                                                    tool, capsys):
    common = ['--batch', '32', '--dpi', str(DPI)]
    full = tool.main([
        CONFIG, checkpoints['full'], '--out',
        str(tmp_path / 'a.png'), *common
    ])
    student_only = tool.main([
        CONFIG, checkpoints['student'], '--out',
        str(tmp_path / 'b.png'), *common, '--cfg-options',
        f'model.teacher_ckpt={checkpoints["teacher"]}'
    ])
    assert student_only == full
    assert '\n'.join(full) in capsys.readouterr().out


def test_without_out_writes_into_the_config_work_dir(tmp_path, checkpoints,
                                                     tool, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tool.main([
        osp.join(REPO_ROOT, CONFIG), checkpoints['full'], '--batch', '8',
        '--dpi', '20'
    ])
    assert osp.isfile(
        'work_dirs/mtk_resnet8-w8_resnet20_digits/irg.png'), \
        list(tmp_path.rglob('*.png'))
    assert not osp.exists('irg.png')


def test_student_only_checkpoint_needs_teacher_ckpt(tmp_path, checkpoints,
                                                    tool):
    with pytest.raises(ValueError, match='model.teacher_ckpt'):
        tool.main([
            CONFIG, checkpoints['student'], '--out',
            str(tmp_path / 'c.png'), '--cfg-options', 'model.teacher_ckpt='
        ])


def panel_titles(fig) -> list:
    """The titles of the figure's plots (colour bars have none)."""
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_one_to_many_draws_the_teacher_matrix_once(checkpoints, tool):
    # The MTK config's three edge terms all read teacher backbone.layer3.2.
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    init_default_scope('mmpretrain')
    model = tool.build_model(cfg, checkpoints['full'])
    batch, classes = tool.first_val_batch(cfg, 16)
    pairs, labels = tool.record_graphs(model, batch)
    fig = tool.draw(pairs, [pair.agreement() for pair in pairs], labels,
                    classes, 'mtk', DPI)
    titles = panel_titles(fig)
    assert [t for t in titles if t.startswith('teacher')
            ] == ['teacher backbone.layer3.2\nfor edge0, edge1, edge2']
    assert sum(t.startswith('student') for t in titles) == 3
    assert sum('student - teacher' in t for t in titles) == 3


def test_different_teacher_matrices_each_get_a_panel(tool):
    from irg_mm.engine import GraphPair
    torch.manual_seed(0)
    pairs = [
        GraphPair(f'loss_irg_edge{i}', 'edge', f'student.{i}', source,
                  torch.rand(8, 8), teacher)
        for i, (source, teacher) in enumerate([(
            'teacher.a', torch.rand(8, 8)), ('teacher.b', torch.rand(8, 8))])
    ]
    labels = torch.arange(8) % 2
    fig = tool.draw(pairs, [pair.agreement() for pair in pairs], labels,
                    ['even', 'odd'], 'two teachers', DPI)
    assert [t for t in panel_titles(fig) if t.startswith('teacher')
            ] == ['teacher teacher.a', 'teacher teacher.b']


def test_class_segments(tool):
    labels = torch.tensor([0, 0, 2, 3, 3])
    assert tool.class_segments(labels) == [(0, 0, 2), (2, 2, 3), (3, 3, 5)]
