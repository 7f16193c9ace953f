# Copyright (c) irg_mm contributors. All rights reserved.
"""IRGGraphMonitorHook inside a real Runner on a tiny digits MTK run."""
import json
import os.path as osp
from types import SimpleNamespace
from unittest import mock

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.runner import Runner
from mmrazor.models.distillers import ConfigurableDistiller
from torch import nn

from irg_mm.engine import IRGGraphMonitorHook
from irg_mm.engine.hooks import irg_graph_monitor_hook

CONFIG = 'configs/digits/mtk_resnet8-w8_resnet20_digits.py'
TERMS = ('edge0', 'edge1', 'edge2', 'transform0', 'transform1')
KEYS = [f'irg_graph.{term}.{m}' for term in TERMS for m in ('corr', 'mad')]


def tiny_run(work_dir, interval: int) -> Runner:
    """Train the digits MTK distiller (random teacher) for 4 iterations:
    two epochs on 10% of the training digits, logging every iteration."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    cfg.merge_from_dict({
        'work_dir':
        str(work_dir),
        'experiment_name':
        f'monitor_{osp.basename(work_dir)}',
        'model.teacher_ckpt':
        None,
        'train_dataloader.dataset.train_fraction':
        0.1,
        'train_cfg.max_epochs':
        2,
        'default_hooks.logger.interval':
        1,
        'default_hooks.checkpoint':
        None,
        'randomness.seed':
        0,
        'custom_hooks': [dict(type='IRGGraphMonitorHook', interval=interval)],
    })
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def scalars(runner: Runner) -> list:
    """The records of the run's scalars.json (one dict per logged step)."""
    path = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_logs_agreement_every_interval(tmp_path):
    runner = tiny_run(tmp_path, interval=2)
    hub = runner.message_hub.log_scalars
    for key in KEYS:
        # Iterations 2 and 4 of 4.
        assert len(hub[f'train/{key}'].data[0]) == 2
    corr = hub['train/irg_graph.edge0.corr'].data[0]
    assert all(-1 <= value <= 1 for value in corr)

    records = scalars(runner)
    assert [r['step'] for r in records] == [1, 2, 3, 4]
    assert not any(key in records[0] for key in KEYS)
    assert all(key in records[1] for key in KEYS)
    assert records[1]['irg_graph.edge0.corr'] == pytest.approx(corr[0])
    assert records[3]['irg_graph.edge0.corr'] == pytest.approx(corr[1])


def test_logs_and_computes_nothing_between_intervals(tmp_path):
    with mock.patch.object(irg_graph_monitor_hook,
                           'collect_graph_pairs') as collect:
        runner = tiny_run(tmp_path, interval=1000)
    collect.assert_not_called()
    assert not any('irg_graph' in key
                   for key in runner.message_hub.log_scalars)
    assert not any('irg_graph' in key for r in scalars(runner) for key in r)


def test_needs_a_distiller():
    hook = IRGGraphMonitorHook(interval=1)
    with pytest.raises(TypeError, match='ConfigurableDistiller'):
        hook.before_train(SimpleNamespace(model=nn.Linear(2, 2)))


def test_warns_without_irg_losses():
    algorithm = SimpleNamespace(distiller=ConfigurableDistiller())
    hook = IRGGraphMonitorHook(interval=1)
    with mock.patch.object(irg_graph_monitor_hook, 'print_log') as log, \
            mock.patch.object(irg_graph_monitor_hook, 'distill_algorithm',
                              return_value=algorithm):
        hook.before_train(SimpleNamespace(model=nn.Module()))
    assert 'nothing to log' in log.call_args.args[0]


def test_rejects_a_zero_interval():
    with pytest.raises(ValueError, match='interval'):
        IRGGraphMonitorHook(interval=0)


def test_built_from_mmpretrain_scope():
    from mmpretrain.registry import HOOKS
    hook = HOOKS.build(dict(type='IRGGraphMonitorHook', interval=5))
    assert isinstance(hook, IRGGraphMonitorHook) and hook.interval == 5
