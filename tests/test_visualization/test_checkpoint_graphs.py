# Copyright (c) irg_mm contributors. All rights reserved.
"""The IRG terms of checkpoints of a freshly built digits MTK distiller,
against the paper's formulas, and tools/analysis/visualize_irg.py on one."""
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, run_command
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmrazor.registry import MODELS
from PIL import Image

from irg_mm.errors import DistillConfigError
from irg_mm.visualization import (agreement_table, figure_blocks,
                                  read_checkpoint_graphs)

CONFIG = osp.join(REPO_ROOT,
                  'configs/digits/mtk_resnet8-w8_resnet20_digits.py')
TOOL = osp.join(REPO_ROOT, 'tools/analysis/visualize_irg.py')
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
    """``{term: (pearson r, mean abs diff)}`` on the first ``BATCH``
    validation samples, from the networks' outputs alone."""
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
    cfg = Config.fromfile(CONFIG)
    cfg.model.teacher_ckpt = None
    torch.manual_seed(0)
    return MODELS.build(cfg.model), cfg


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory, distiller) -> dict:
    """A whole-distiller checkpoint, one of the student alone, and the
    teacher's own, all from the fixture's distiller."""
    state_dict = distiller[0].state_dict()
    folder = tmp_path_factory.mktemp('ckpt')
    student = {
        k: v
        for k, v in state_dict.items() if not k.startswith('teacher.')
    }
    teacher = {
        k[len('teacher.'):]: v
        for k, v in state_dict.items() if k.startswith('teacher.')
    }
    paths = {}
    for name, weights in (('full', state_dict), ('student', student),
                          ('teacher', teacher)):
        paths[name] = str(folder / f'{name}.pth')
        torch.save({'state_dict': weights}, paths[name])
    return paths


@pytest.fixture(scope='module')
def graphs(checkpoints):
    """The terms of the whole-distiller checkpoint on ``BATCH`` samples."""
    return read_checkpoint_graphs(
        Config.fromfile(CONFIG), checkpoints['full'], BATCH)


def test_terms_follow_the_papers_formulas(graphs, distiller):
    assert len(graphs.labels) == BATCH
    assert [pair.short_name for pair in graphs.pairs] == list(SOURCES)
    expected = expected_agreement(*distiller)
    for pair in graphs.pairs:
        teacher_layers, student_layers = SOURCES[pair.short_name]
        assert pair.teacher_source == ' -> '.join(f'backbone.{layer}'
                                                  for layer in teacher_layers)
        assert pair.student_source == ' -> '.join(f'backbone.{layer}'
                                                  for layer in student_layers)
        agreement = pair.agreement()
        assert agreement['corr'] == pytest.approx(
            expected[pair.short_name][0], abs=1e-5), pair.short_name
        assert agreement['mad'] == pytest.approx(
            expected[pair.short_name][1], abs=1e-5), pair.short_name


def test_one_to_many_edge_terms_share_a_teacher_block(graphs):
    # The MTK config's three edge terms all read teacher backbone.layer3.2.
    blocks = [[pair.short_name for pair in block]
              for block in figure_blocks(graphs.pairs)]
    assert blocks == [['edge0', 'edge1', 'edge2'], ['transform0'],
                      ['transform1']]


def test_student_only_checkpoint_needs_teacher_ckpt(checkpoints):
    cfg = Config.fromfile(CONFIG)
    cfg.model.teacher_ckpt = ''
    with pytest.raises(DistillConfigError, match='model.teacher_ckpt'):
        read_checkpoint_graphs(cfg, checkpoints['student'], BATCH)


def test_checkpoint_of_another_model_is_named(tmp_path, checkpoints):
    weights = torch.load(checkpoints['full'])['state_dict']
    weights['architecture.extra'] = torch.zeros(1)
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': weights}, path)
    with pytest.raises(DistillConfigError, match='does not fit .*extra'):
        read_checkpoint_graphs(Config.fromfile(CONFIG), path, BATCH)


def test_config_without_graph_terms_is_named(checkpoints):
    # KD on the same networks: the checkpoint fits, but nothing to draw.
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/digits/kd_resnet8-w8_resnet20_digits.py'))
    with pytest.raises(DistillConfigError, match='no IRGEdgeLoss'):
        read_checkpoint_graphs(cfg, checkpoints['full'], BATCH)


def test_tool_draws_into_the_config_work_dir(tmp_path, checkpoints, graphs):
    # The teacher comes from --cfg-options, and the table must equal the
    # one of the checkpoint that holds the teacher.
    command = [
        sys.executable, TOOL, CONFIG, checkpoints['student'], '--batch',
        str(BATCH), '--dpi', '20', '--cfg-options',
        f'model.teacher_ckpt={checkpoints["teacher"]}'
    ]
    log = run_command(
        command, dict(os.environ, OMP_NUM_THREADS='1'), cwd=str(tmp_path))
    table = agreement_table(graphs.pairs,
                            [pair.agreement() for pair in graphs.pairs])
    assert '\n'.join(table) in log
    assert '\nwrote work_dirs/mtk_resnet8-w8_resnet20_digits/irg.png\n' in log
    assert not list(tmp_path.glob('*.png'))
    with Image.open(tmp_path / 'work_dirs/mtk_resnet8-w8_resnet20_digits/'
                    'irg.png') as image:
        # 3 panels of 3.2 in wide; 3.2 in per edge term (3) and 2.0 in per
        # transformation term (2), at 20 dpi.
        assert (image.format, image.size) == ('PNG', (192, 272))
