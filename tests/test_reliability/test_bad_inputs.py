# Copyright (c) irg_mm contributors. All rights reserved.
"""Every user mistake or fault we know of, and the error it must give.

One row of ``BAD_INPUTS`` per case: a name, a ``trigger`` that makes the
mistake on the tiny digits configs and runs what a user runs
(``build_runner``, then ``train()`` for the cases only data or training can
show), the error type and a regex the message must match. The regex asks
for the config key (or file) and the fix, so a reader of the message knows
what to change. docs/troubleshooting.md explains each row; to add a case,
add a row here and a line there.
"""
import copy
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Optional

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmpretrain.registry import MODELS

from irg_mm.compat import CorruptCheckpointError, UnsafeCheckpointError
from irg_mm.engine import DistillCheckHook
from irg_mm.launch import build_runner
from irg_mm.models.distillers.distiller_keys import DistillConfigError
from irg_mm.models.losses import irg_edge_loss
from irg_mm.preflight.checkpoint_check import TeacherCheckpointError

IRG = 'configs/digits/irg_resnet8-w8_resnet20_digits.py'
KD = 'configs/digits/kd_resnet8-w8_resnet20_digits.py'
MTK = 'configs/digits/mtk_resnet8-w8_resnet20_digits.py'
EXPANDED = 'configs/digits/mtk-kd-expanded_resnet8-w8_resnet20_digits.py'
# Prefixes of the config keys the cases change.
D = 'model.distiller.'
KD_MAP = 'model.distiller.loss_forward_mappings.loss_kd.'
# Two iterations of 8 images, a checkpoint after each, no validation.
# yapf: disable
TINY = {
    'model.teacher_ckpt': None,
    'preflight': dict(allow_random_teacher=True),
    'train_dataloader.batch_size': 8,
    'train_dataloader.dataset.train_fraction': 0.05,
    'train_cfg': dict(_delete_=True, type='IterBasedTrainLoop', max_iters=2),
    'param_scheduler': [],
    'val_cfg': None,
    'val_dataloader': None,
    'val_evaluator': None,
    'default_hooks.logger.interval': 1,
    'default_hooks.checkpoint': dict(
        type='CheckpointHook', by_epoch=False, interval=1),
    'log_processor': dict(by_epoch=False),
}
# yapf: enable


@dataclass(frozen=True)
class BadInput:
    """A mistake, how to make it, and the error it must raise.

    Args:
        name (str): The test id, also the row of docs/troubleshooting.md.
        trigger (Callable): Makes the mistake; gets the test's ``tmp_path``.
        error (type): The exception type expected.
        message (str): Regex the message must match (``re.search``).
    """
    name: str
    trigger: Callable
    error: type
    message: str


def _config(path: str, tmp_path, options: dict) -> Config:
    cfg = Config.fromfile(osp.join(REPO_ROOT, path))
    # merge_from_dict pops the `_delete_` flags of what it is given.
    cfg.merge_from_dict(
        copy.deepcopy(dict(TINY, work_dir=str(tmp_path), **options)))
    return cfg


def build(path: str, options: Optional[dict] = None) -> Callable:
    """Build the runner of ``path`` changed by ``options`` (dotted keys)."""
    return lambda tmp_path: build_runner(
        _config(path, tmp_path, options or {}))


def train(path: str, options: dict) -> Callable:
    """Build and train (two iterations) the runner of ``path``."""
    return lambda tmp_path: build(path, options)(tmp_path).train()


def _model_state(model_key: str, **model_changes) -> dict:
    cfg = Config.fromfile(osp.join(REPO_ROOT, IRG))
    return MODELS.build(dict(cfg[model_key], **model_changes)).state_dict()


def with_teacher_ckpt(write: Callable) -> Callable:
    """Build the IRG runner with ``model.teacher_ckpt`` made by ``write``."""

    def trigger(tmp_path):
        path = str(tmp_path / 'teacher.pth')
        write(path)
        return build(IRG, {'model.teacher_ckpt': path})(tmp_path)

    return trigger


def _truncated(path: str) -> None:
    torch.save({'state_dict': _model_state('teacher_model')}, path)
    with open(path, 'r+b') as f:
        f.truncate(osp.getsize(path) // 2)


class _Payload:
    """An object a malicious checkpoint could carry."""

    def __reduce__(self):
        return (print, ('code ran', ))


def _resume_from_corrupt_latest(tmp_path) -> None:
    """The latest of two checkpoints is cut short (a full disk, a kill)."""
    for name in ('iter_1.pth', 'iter_2.pth'):
        torch.save({'meta': {}, 'state_dict': {}}, tmp_path / name)
    with open(tmp_path / 'iter_2.pth', 'r+b') as f:
        f.truncate(100)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    build(IRG, {'resume': True})(tmp_path)


def _nan_distances_in_second_iteration(tmp_path) -> None:
    """The edge distance matrices turn NaN in iteration 2 (of 2)."""
    distances = irg_edge_loss.batch_squared_distances
    calls = []

    def nan_later(features):
        # 3 edge terms x 2 networks per iteration; the dry run before
        # training has no gradient and is not counted.
        calls.append(torch.is_grad_enabled())
        result = distances(features)
        return result * float('nan') if sum(calls) > 6 else result

    irg_edge_loss.batch_squared_distances = nan_later
    try:
        train(IRG, {})(tmp_path)
    finally:
        irg_edge_loss.batch_squared_distances = distances
        assert osp.isfile(tmp_path / 'iter_1.pth')
        assert not osp.isfile(tmp_path / 'iter_2.pth'), 'NaN step was saved'


# A table reads best one field a line; yapf would pack them.
# yapf: disable
BAD_INPUTS = [
    # Hook points that are not modules of the network.
    BadInput(
        'student-recorder-not-a-module',
        build(KD, {D + 'student_recorders.logits.source': 'head.fcc'}),
        DistillConfigError,
        r'model\.distiller\.student_recorders\.logits\.source: "head\.fcc" '
        r"is not a module of the student.*nearest: \['head\.fc'"),
    BadInput(
        'teacher-recorder-not-a-module',
        build(KD, {D + 'teacher_recorders.logits.source': 'fc'}),
        DistillConfigError,
        r'model\.distiller\.teacher_recorders\.logits\.source: "fc" is not '
        r"a module of the teacher \(ImageClassifier\); available: "
        r"\['data_preprocessor', 'backbone', 'neck', 'head'\]"),
    BadInput(
        'irg-edge-hook-point-not-a-module',
        build(IRG, {D + 'edges.teacher': 'backbone.layer3.3'}),
        DistillConfigError,
        r'model\.distiller\.edges\.teacher: "backbone\.layer3\.3" is not a '
        r"module of the teacher.*'backbone\.layer3\.2'"),
    BadInput(
        'irg-transform-hook-point-not-a-module',
        build(IRG, {
            D + 'transforms.0.student':
            ['backbone.layer1.0', 'backbone.layer2.1']
        }),
        DistillConfigError,
        r'model\.distiller\.transforms\[0\]\.student: "backbone\.layer2\.1" '
        r"is not a module of the student.*'backbone\.layer2\.0'"),
    # Loss mappings that name what does not exist.
    BadInput(
        'mapping-names-missing-recorder',
        build(KD, {KD_MAP + 'preds_S.recorder': 'logit'}),
        DistillConfigError,
        r'model\.distiller\.loss_forward_mappings\.loss_kd\.preds_S\.recorder'
        r": \"logit\" is not a key of model\.distiller\.student_recorders "
        r"\(nearest: \['logits'\]\)"),
    BadInput(
        'mapping-reads-recorder-of-other-side',
        build(KD, {
            D + 'student_recorders.feat':
            dict(type='ModuleOutputs', source='neck'),
            KD_MAP + 'preds_T.recorder': 'feat'
        }),
        DistillConfigError,
        r'loss_kd\.preds_T\.recorder: "feat" is not a key of '
        r'model\.distiller\.teacher_recorders.*it is a student recorder: set '
        r'from_student=True'),
    BadInput(
        'mapping-names-missing-connector',
        build(KD, {KD_MAP + 'preds_S.connector': 'proj'}),
        DistillConfigError,
        r'loss_kd\.preds_S\.connector: "proj" is not a key of '
        r'model\.distiller\.connectors'),
    BadInput(
        'mapping-names-missing-loss',
        build(KD, {
            D + 'loss_forward_mappings.loss_kdd':
            dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'))
        }),
        DistillConfigError,
        r'model\.distiller\.loss_forward_mappings\.loss_kdd: "loss_kdd" is '
        r"not a key of model\.distiller\.distill_losses \(nearest: "
        r"\['loss_kd'\]\)"),
    BadInput(
        'mapping-names-unknown-argument',
        build(KD, {
            KD_MAP + 'pred_S': dict(from_student=True, recorder='logits')
        }),
        DistillConfigError,
        r'loss_kd\.pred_S: KLDivergence\.forward has no argument "pred_S" '
        r"\(nearest: \['preds_S'"),
    BadInput(
        'mapping-misses-an-argument',
        build(KD, {
            D + 'loss_forward_mappings.loss_kd':
            dict(
                _delete_=True,
                preds_S=dict(from_student=True, recorder='logits'))
        }),
        DistillConfigError,
        r"loss_forward_mappings\.loss_kd: KLDivergence\.forward needs "
        r"\['preds_T'\]; map each to a record: preds_T=dict\(from_student="),
    BadInput(
        'mapping-without-from-student',
        build(KD, {
            KD_MAP + 'preds_S': dict(_delete_=True, recorder='logits')
        }),
        DistillConfigError,
        r'loss_kd\.preds_S: expected dict\(from_student=True or False, '
        r"recorder='<name>'"),
    BadInput(
        'mapping-data-idx-out-of-range',
        build(EXPANDED,
              {D + 'loss_forward_mappings.loss_irg_edge.preds_S.data_idx': 1}),
        DistillConfigError,
        r'loss_irg_edge\.preds_S\.data_idx: 1 is out of range for the 1 '
        r"sources \['backbone\.layer3\.0'\]; use 0\.\.0"),
    # IRGDistiller's compact form and the IRG components' own arguments.
    BadInput(
        'irg-one-to-many-with-two-teacher-hook-points',
        build(IRG, {
            D + 'edges.teacher': ['backbone.layer3.2', 'backbone.layer3.1']
        }),
        DistillConfigError,
        r"model\.distiller\.edges\.teacher: mode='one_to_many' takes one "
        r"teacher hook point.*use edges\.mode='one_to_one'"),
    BadInput(
        'irg-transform-with-three-hook-points',
        build(IRG, {
            D + 'transforms.0.teacher':
            ['backbone.layer1.2', 'backbone.layer2.2', 'backbone.layer3.2']
        }),
        DistillConfigError,
        r'model\.distiller\.transforms\[0\]\.teacher needs 2 hook points '
        r'of one network'),
    BadInput(
        'irg-unknown-graph-scope',
        build(IRG, {D + 'edges.graph_scope': 'gpu'}),
        DistillConfigError,
        r"model\.distiller\.edges: IRGEdgeLoss: graph_scope must be 'local' "
        r"or 'global', got 'gpu'"),
    BadInput(
        'irg-proj-connector-without-in-channels',
        build(IRG, {
            D + 'transforms.0.student_connector': dict(channel_align='proj')
        }),
        DistillConfigError,
        r"model\.distiller\.transforms\[0\]\.student_connector: "
        r"channel_align='proj' needs in_channels=\(C1, C2\)"),
    # Shapes: only a forward shows them; the dry run before iteration 1.
    BadInput(
        'vertex-loss-between-different-shapes',
        train(MTK, {D + 'vertex.teacher': 'neck'}),
        DistillConfigError,
        r'model\.distiller\.vertex: loss_irg_vertex cannot take the records '
        r'of its hook points \(preds_S <- student head\.fc; preds_T <- '
        r'teacher neck\).*needs equal shapes, got student shape \(2, 10\), '
        r'teacher shape \(2, 128\); add a connector'),
    BadInput(
        'transform-pair-unequal-channels-without-reduction',
        train(IRG, {
            D + 'transforms.0.student_connector': dict(channel_align=None)
        }),
        DistillConfigError,
        r"model\.distiller\.transforms\[0\]\.student_connector: connector "
        r"'irg_transform0_s' on student backbone\.layer1\.0 -> "
        r"backbone\.layer2\.0: .*channel_align=None: set channel_align='avg'"),
    # The teacher checkpoint.
    BadInput(
        'teacher-ckpt-does-not-exist',
        build(IRG, {'model.teacher_ckpt': 'work_dirs/none/x.pth'}),
        FileNotFoundError,
        r"model\.teacher_ckpt='work_dirs/none/x\.pth' does not exist: train "
        r'the teacher first'),
    BadInput(
        'teacher-ckpt-of-another-network',
        with_teacher_ckpt(lambda path: torch.save(
            {'state_dict': _model_state('student_model')}, path)),
        TeacherCheckpointError,
        r"does not fit model\.teacher \(ImageClassifier\): missing keys "
        r"\['backbone\.layer1\.1\..*shape mismatches \(file vs teacher\) "
        r"\['backbone\.conv1\.weight: \(8, 3, 3, 3\) vs \(32, 3, 3, 3\)'"),
    BadInput(
        'teacher-ckpt-with-other-class-count',
        with_teacher_ckpt(lambda path: torch.save(
            {'state_dict': _model_state(
                'teacher_model', head=dict(
                    type='LinearClsHead', num_classes=100,
                    in_channels=128))}, path)),
        TeacherCheckpointError,
        r"missing keys \[\], unexpected keys \[\], shape mismatches \(file vs "
        r"teacher\) \['head\.fc\.weight: \(100, 128\) vs \(10, 128\)'"),
    BadInput(
        'teacher-ckpt-of-a-whole-distiller',
        with_teacher_ckpt(lambda path: torch.save({
            'state_dict': {
                f'teacher.{key}': value
                for key, value in _model_state('teacher_model').items()
            }
        }, path)),
        TeacherCheckpointError,
        r"Every key starts with 'teacher\.'.*save the teacher's own "
        r'state_dict\(\) without the prefix'),
    BadInput(
        'teacher-ckpt-truncated',
        with_teacher_ckpt(_truncated),
        CorruptCheckpointError,
        r"Checkpoint model\.teacher_ckpt='.*teacher\.pth' is truncated or "
        r'not a PyTorch checkpoint'),
    BadInput(
        'teacher-ckpt-carries-code',
        with_teacher_ckpt(lambda path: torch.save(
            {'state_dict': {}, 'extra': _Payload()}, path)),
        UnsafeCheckpointError,
        r"Refused to load checkpoint model\.teacher_ckpt=.*Nothing from the "
        r'file was executed'),
    # Faults during a run.
    BadInput(
        'resume-from-corrupt-latest-checkpoint',
        _resume_from_corrupt_latest,
        CorruptCheckpointError,
        r'Cannot resume: Checkpoint .*iter_2\.pth is truncated.*'
        r'The previous checkpoint is .*iter_1\.pth: resume from it with '
        r'`--resume .*iter_1\.pth`'),
    BadInput(
        'nan-in-edge-distances',
        _nan_distances_in_second_iteration,
        FloatingPointError,
        r'Non-finite loss at iteration 2: .*distill\.loss_irg_edge0=nan.*'
        r'distill\.loss_irg_edge0 is model\.distiller\.edges on preds_S <- '
        r'student backbone\.layer3\.0; preds_T <- teacher '
        r'backbone\.layer3\.2\..*the last checkpoint is .*iter_1\.pth'),
]
# yapf: enable


def test_bad_inputs_are_distinct():
    assert len({bad.name for bad in BAD_INPUTS}) == len(BAD_INPUTS) >= 15


@pytest.mark.parametrize('bad', BAD_INPUTS, ids=lambda bad: bad.name)
def test_bad_input_fails_clearly(bad: BadInput, tmp_path):
    with pytest.raises(bad.error, match=bad.message):
        bad.trigger(tmp_path)


def test_good_configs_pass_the_checks(tmp_path):
    """The checks reject none of the shipped digits distillation configs."""
    for path in (IRG, KD, MTK, EXPANDED):
        runner = build(path)(tmp_path / osp.basename(path))
        check, = (h for h in runner.hooks if isinstance(h, DistillCheckHook))
        check.before_train(runner)
