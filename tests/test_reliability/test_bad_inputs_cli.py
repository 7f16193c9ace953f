# Copyright (c) irg_mm contributors. All rights reserved.
"""Bad inputs typed as a user types them, through ``tools/train.py``.

Each row is a command line (``--cfg-options`` on a digits config, or a
user's own config file) and the one line ``tools/train.py`` must end with:
``error: <key>: <what is wrong>; <fix>``, before anything trains. The rows
run ``tools/train.py`` as ``__main__`` in this process (one import of torch
for all of them); :func:`test_a_bad_input_ends_the_process_with_one_line`
runs a real process for one to show the exit status and stderr a shell
sees. docs/troubleshooting.md lists each message and its fix;
tests/test_reliability/test_bad_inputs.py holds the cases that need Python
to make (a corrupt checkpoint, NaN in training).
"""
import glob
import os.path as osp
import re
import runpy
import shlex
import sys
from dataclasses import dataclass
from typing import Optional

import pytest
from conftest import REPO_ROOT

TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
IRG = 'configs/digits/irg_resnet8-w8_resnet20_digits.py'
KD = 'configs/digits/kd_resnet8-w8_resnet20_digits.py'
MTK = 'configs/digits/mtk_resnet8-w8_resnet20_digits.py'
EXPANDED = 'configs/digits/mtk-kd-expanded_resnet8-w8_resnet20_digits.py'
VIT = 'configs/digits/irg_vit-tiny_resnet20_digits.py'
D = 'model.distiller.'


@dataclass(frozen=True)
class CliBadInput:
    """A command line that must stop before training, and its last line.

    Args:
        name (str): The test id, also the row of docs/troubleshooting.md.
        config (str): The config the command names (repo-relative), or
            ``'{user}'`` for ``user_config`` written to a file.
        options (str): ``--cfg-options`` as typed in a shell (``{teacher}``
            is a teacher checkpoint that fits, ``{distill_run}`` a
            checkpoint of a distillation run).
        message (str): Regex the ``error: ...`` line must match.
        user_config (str, optional): A user's own config file.
    """
    name: str
    config: str
    options: str
    message: str
    user_config: Optional[str] = None


TEACHER = 'model.teacher_ckpt={teacher}'
# A user's config inheriting the IRG digits config; {base} is its path.
USER_BASE = "_base_ = [{base!r}]\n"

# yapf: disable
CLI_BAD_INPUTS = [
    # Options of the compact form: a typo is never silently dropped.
    CliBadInput(
        'cli-edges-option-typo', IRG,
        f'{TEACHER} {D}edges.loss_wieght=5.0',
        r"model\.distiller\.edges\.loss_wieght: unknown option; did you "
        r"mean 'loss_weight'\? \(edges takes \['student', 'teacher'"),
    CliBadInput(
        'cli-graph-scope-typo', IRG,
        f'{TEACHER} {D}edges.graph_scpoe=global',
        r"model\.distiller\.edges\.graph_scpoe: unknown option; did you "
        r"mean 'graph_scope'\?"),
    CliBadInput(
        'cli-transform-option-typo', IRG,
        f'{TEACHER} {D}transforms.1.loss_weigth=1.0',
        r"model\.distiller\.transforms\[1\]\.loss_weigth: unknown option; "
        r"did you mean 'loss_weight'\?"),
    CliBadInput(
        'cli-vertex-option-typo', MTK,
        f'{TEACHER} {D}vertex.studnet=head.fc',
        r"model\.distiller\.vertex\.studnet: unknown option; did you mean "
        r"'student'\?"),
    CliBadInput(
        'cli-unknown-distiller-argument', IRG,
        f'{TEACHER} {D}edgs.loss_weight=5.0',
        r"model\.distiller: IRGDistiller has no option 'edgs'; did you mean "
        r"'edges'\? \(it takes \['vertex', 'edges', 'transforms'"),
    CliBadInput(
        'cli-model-option-typo', IRG,
        'model.teacher_ckpth={teacher}',
        r"model: SingleTeacherDistill has no option 'teacher_ckpth'; did you "
        r"mean 'teacher_ckpt'\?"),
    CliBadInput(
        'cli-connector-option-typo', IRG,
        f'{TEACHER} {D}transforms.0.student_connector.channel_algin=avg',
        r"model\.distiller\.transforms\[0\]\.student_connector: "
        r"IRGTransformConnector has no option 'channel_algin'; did you mean "
        r"'channel_align'\?"),
    CliBadInput(
        'cli-edges-pooling-not-a-mode', IRG,
        f'{TEACHER} {D}edges.pooling=mean',
        r"model\.distiller\.edges\.pooling: 'mean' is not one of \('avg', "
        r"'flatten', 'none'\)"),
    CliBadInput(
        'cli-edges-mode-not-a-mode', IRG,
        f'{TEACHER} {D}edges.mode=one_to_all',
        r"model\.distiller\.edges\.mode: 'one_to_all' is not one of "
        r"\('one_to_many', 'one_to_one'\); did you mean 'one_to_many'\?"),
    CliBadInput(
        'cli-token-pooling-not-a-mode', IRG,
        f'{TEACHER} {D}edges.token_pooling=first',
        r"model\.distiller\.edges\.token_pooling: 'first' is not one of "
        r"\('mean', 'cls'\)"),
    # Shapes of the compact form.
    CliBadInput(
        'cli-transforms-given-as-a-dict', '{user}', TEACHER,
        r'model\.distiller\.transforms: expected a list with one dict per '
        r'transformation, got ConfigDict; write transforms=\[dict\(',
        USER_BASE + "model = dict(distiller=dict(transforms=dict(\n"
        "    _delete_=True,\n"
        "    student=['backbone.layer1.0', 'backbone.layer2.0'],\n"
        "    teacher=['backbone.layer1.2', 'backbone.layer2.2'])))\n"),
    CliBadInput(
        'cli-distillation-without-distiller', '{user}', TEACHER,
        r"model\.distiller: SingleTeacherDistill needs a distiller, e\.g\. "
        r"dict\(type='IRGDistiller', edges=dict\(\.\.\.\)\), got None",
        USER_BASE + "model = dict(distiller=None)\n"),
    CliBadInput(
        'cli-edges-without-student', '{user}', TEACHER,
        r"model\.distiller\.edges\.student: missing; give the student hook "
        r"point\(s\)",
        USER_BASE + "model = dict(distiller=dict(edges=dict(\n"
        "    _delete_=True, teacher='backbone.layer3.2')))\n"),
    CliBadInput(
        'cli-transform-names-a-layer-twice', IRG,
        f'{TEACHER} {D}transforms.0.student=[backbone.layer1.0,'
        'backbone.layer1.0]',
        r"model\.distiller\.transforms\[0\]\.student: names "
        r"\['backbone\.layer1\.0'\] more than once; name each hook point "
        r"once"),
    CliBadInput(
        'cli-transform-with-one-hook-point', IRG,
        f'{TEACHER} {D}transforms.0.teacher=backbone.layer1.2',
        r"model\.distiller\.transforms\[0\]\.teacher needs 2 hook points of "
        r"one network \(the ends of one stage\), got \['backbone\.layer1\.2'"
        r"\]"),
    # Transformers: the names a ViT has, and tuple outputs.
    CliBadInput(
        'cli-vit-student-has-no-head-fc', VIT,
        f'{TEACHER} {D}vertex.student=head.fc',
        r'model\.distiller\.vertex\.student: "head\.fc" is not a module of '
        r"the student \(ImageClassifier\); nearest: \[.*'head\.layers\.head'"),
    CliBadInput(
        'cli-hook-point-gives-a-tuple', VIT,
        f'{TEACHER} {D}edges.student=backbone.patch_embed',
        r'model\.distiller\.edges\.student: IRGGraphRecorder: '
        r'"backbone\.patch_embed" gave tuple \(element output_index=-1 of a '
        r"tuple of \['a tensor of shape \[2, 16, 64\]', 'tuple'\]\).*pick "
        r'the tensor element of a tuple output with output_index'),
    # Weights.
    CliBadInput(
        'cli-negative-edge-weight', IRG,
        f'{TEACHER} {D}edges.loss_weight=-20.0',
        r'model\.distiller\.edges\.loss_weight: -20\.0 would maximise '
        r'loss_irg_edge0; use a finite weight >= 0'),
    CliBadInput(
        'cli-negative-kd-weight-expanded-form', KD,
        f'{TEACHER} {D}distill_losses.loss_kd.loss_weight=-1',
        r'model\.distiller\.distill_losses\.loss_kd\.loss_weight: -1 would '
        r'maximise loss_kd'),
    CliBadInput(
        'cli-weight-not-a-number', IRG,
        f'{TEACHER} {D}edges.loss_weight=high',
        r"model\.distiller\.edges\.loss_weight: expected a number, got "
        r"'high'"),
    # The expanded form gets the same checks.
    CliBadInput(
        'cli-recorder-option-typo-expanded-form', EXPANDED,
        f'{TEACHER} {D}student_recorders.edges.poolng=avg',
        r"model\.distiller\.student_recorders\.edges: IRGGraphRecorder has "
        r"no option 'poolng'; did you mean 'pooling'\?"),
    CliBadInput(
        'cli-recorder-pooling-expanded-form', EXPANDED,
        f'{TEACHER} {D}teacher_recorders.edges.pooling=mean',
        r"model\.distiller\.teacher_recorders\.edges: pooling must be one of "
        r"\('avg', 'flatten', 'none'\), got 'mean'"),
    CliBadInput(
        'cli-loss-option-typo-expanded-form', KD,
        f'{TEACHER} {D}distill_losses.loss_kd.tua=4',
        r"model\.distiller\.distill_losses\.loss_kd: KLDivergence has no "
        r"option 'tua'; did you mean 'tau'\?"),
    CliBadInput(
        'cli-transform-names-a-layer-twice-expanded-form', EXPANDED,
        f'{TEACHER} {D}student_recorders.stage1.sources=[backbone.layer1.0,'
        'backbone.layer1.0]',
        r"model\.distiller\.student_recorders\.stage1: IRGGraphRecorder "
        r"names \['backbone\.layer1\.0'\] more than once"),
    # Registered types, anywhere in the model.
    CliBadInput(
        'cli-loss-type-typo', KD,
        f'{TEACHER} {D}distill_losses.loss_kd.type=KLDivergance',
        r"model\.distiller\.distill_losses\.loss_kd\.type: 'KLDivergance' "
        r"is not registered; did you mean 'KLDivergence'\?"),
    CliBadInput(
        'cli-recorder-type-typo', KD,
        f'{TEACHER} {D}student_recorders.logits.type=ModuleOutput',
        r"model\.distiller\.student_recorders\.logits\.type: 'ModuleOutput' "
        r"is not registered; did you mean 'ModuleOutputs'\?"),
    CliBadInput(
        'cli-connector-type-typo', EXPANDED,
        f'{TEACHER} {D}connectors.stage1_s.type=IRGTransformConector',
        r"model\.distiller\.connectors\.stage1_s\.type: "
        r"'IRGTransformConector' is not registered; did you mean "
        r"'IRGTransformConnector'\?"),
    CliBadInput(
        'cli-backbone-type-typo', IRG,
        f'{TEACHER} model.architecture.backbone.type=HeResnetCIFAR',
        r"model\.architecture\.backbone\.type: 'HeResnetCIFAR' is not "
        r"registered; did you mean 'HeResNetCIFAR'\?"),
    CliBadInput(
        'cli-neck-type-typo', IRG,
        f'{TEACHER} model.teacher.neck.type=GlobalAvgPooling',
        r"model\.teacher\.neck\.type: 'GlobalAvgPooling' is not "
        r"registered; did you mean 'GlobalAveragePooling'\?"),
    CliBadInput(
        'cli-head-type-typo', IRG,
        f'{TEACHER} model.architecture.head.type=LinearClsHed',
        r"model\.architecture\.head\.type: 'LinearClsHed' is not "
        r"registered; did you mean 'LinearClsHead'\?"),
    CliBadInput(
        'cli-classifier-type-typo', 'configs/digits/resnet20_digits.py',
        'model.neck.type=GlobalAvgPooling',
        r"model\.neck\.type: 'GlobalAvgPooling' is not registered; did you "
        r"mean 'GlobalAveragePooling'\?"),
    # Loss mappings that MMRazor stops with a bare assert.
    CliBadInput(
        'cli-data-idx-beyond-a-tuple-record', KD,
        f'{TEACHER} {D}student_recorders.logits.type=ModuleInputs '
        f'{D}loss_forward_mappings.loss_kd.preds_S.data_idx=1',
        r"model\.distiller\.loss_forward_mappings\.loss_kd\.preds_S: "
        r"data_idx=1 is out of range: ModuleInputsRecorder on 'head\.fc' "
        r'records a tuple of 1 element; use data_idx 0\.\.0, or leave it '
        r'unset for the whole tuple'),
    CliBadInput(
        'cli-data-idx-on-a-tensor-record', KD,
        f'{TEACHER} {D}loss_forward_mappings.loss_kd.preds_S.data_idx=0',
        r"model\.distiller\.loss_forward_mappings\.loss_kd\.preds_S: "
        r"data_idx=0 indexes a tuple or list, but ModuleOutputsRecorder on "
        r"'head\.fc' records a single Tensor; remove data_idx"),
    CliBadInput(
        'cli-connector-none-in-a-mapping', EXPANDED,
        f'{TEACHER} {D}loss_forward_mappings.loss_irg_transform.preds_S.'
        'connector=None',
        r'model\.distiller\.loss_forward_mappings\.loss_irg_transform\.'
        r'preds_S\.connector: None names no connector; remove the key to '
        r"take the record as recorded, or name one of model\.distiller\."
        r"connectors \['stage1_s', 'stage1_t'\]"),
    # Runs that would train and teach nothing.
    CliBadInput(
        'cli-distillation-run-as-teacher', IRG,
        'model.teacher_ckpt={distill_run}',
        r"model\.teacher_ckpt='.*distill_run\.pth' is the checkpoint of a "
        r'distillation run, holding both its networks \(the student as '
        r'architecture\.\*, its teacher as teacher\.\*\), not one teacher; '
        r'to distil from that student, export it with `python '
        r'tools/model_converters/convert_to_student\.py .*distill_run\.pth '
        r"student\.pth` and set model\.teacher_ckpt=student\.pth; to distil "
        r"from its teacher, give that run's own model\.teacher_ckpt"),
    CliBadInput(
        'cli-random-teacher', IRG, 'model.teacher_ckpt=None',
        r'model\.teacher_ckpt: None leaves the frozen teacher randomly '
        r'initialised.*--cfg-options model\.teacher_ckpt=PATH.*'
        r'preflight=dict\(allow_random_teacher=True\)'),
    CliBadInput(
        'cli-preflight-option-typo', IRG,
        'model.teacher_ckpt=None preflight.allow_random_teachr=True',
        r"preflight\.allow_random_teachr: unknown option; did you mean "
        r"'allow_random_teacher'\?"),
    CliBadInput(
        'cli-batch-of-one-with-irg-edges', IRG,
        f'{TEACHER} train_dataloader.batch_size=1',
        r"train_dataloader\.batch_size: 1 instance per graph, so the IRG "
        r"terms of \['model\.distiller\.edges', "
        r"'model\.distiller\.transforms\[0\]'.*are zero for the whole run; "
        r'use batch_size >= 2.*allow_inactive_irg=True'),
    CliBadInput(
        'cli-missing-teacher-file', IRG,
        'model.teacher_ckpt=work_dirs/no_such_teacher.pth',
        r"model\.teacher_ckpt='work_dirs/no_such_teacher\.pth' does not "
        r'exist: train the teacher first'),
    # Schedules that cannot run.
    CliBadInput(
        'cli-one-epoch-with-warm-up', IRG,
        f'{TEACHER} train_cfg.max_epochs=1',
        r'param_scheduler\[1\] \(CosineAnnealingLR\): begins at epoch 1, '
        r'but train_cfg\.max_epochs=1 ends training there; use '
        r'train_cfg\.max_epochs >= 2, or a constant learning rate: '
        r'--cfg-options param_scheduler=\[\]'),
    CliBadInput(
        'cli-scheduler-ends-before-it-begins', IRG,
        f'{TEACHER} param_scheduler.0.end=0',
        r'param_scheduler\[0\] \(LinearLR\): end=0 is not after begin=0'),
]
# yapf: enable


@pytest.fixture(scope='module')
def distill_run(teacher_ckpt, tmp_path_factory) -> str:
    """A checkpoint as a distillation run saves it: student and teacher
    under their prefixes (here both the teacher's weights)."""
    import torch
    weights = torch.load(teacher_ckpt)['state_dict']
    path = str(tmp_path_factory.mktemp('distill') / 'distill_run.pth')
    torch.save(
        {
            'state_dict': {
                f'{prefix}{key}': value
                for prefix in ('architecture.', 'teacher.')
                for key, value in weights.items()
            }
        }, path)
    return path


def command_line(bad: CliBadInput, work_dir: str, **checkpoints) -> list:
    """``tools/train.py`` arguments of a row, as a shell splits them.

    ``checkpoints`` fill the placeholders of ``bad.options``.
    """
    config = osp.join(REPO_ROOT, bad.config)
    if bad.user_config is not None:
        config = osp.join(work_dir, 'my_config.py')
        with open(config, 'w') as f:
            f.write(bad.user_config.format(base=osp.join(REPO_ROOT, IRG)))
    options = bad.options.format(**checkpoints)
    return [
        config, '--work-dir',
        osp.join(work_dir, 'run'), '--cfg-options', *shlex.split(options)
    ]


def test_the_tables_hold_35_distinct_bad_inputs():
    from test_bad_inputs import BAD_INPUTS
    names = [bad.name for bad in BAD_INPUTS + CLI_BAD_INPUTS]
    assert len(set(names)) == len(names) >= 35


def test_troubleshooting_lists_every_bad_input():
    from test_bad_inputs import BAD_INPUTS
    with open(osp.join(REPO_ROOT, 'docs', 'troubleshooting.md')) as f:
        text = f.read()
    missing = [
        bad.name for bad in BAD_INPUTS + CLI_BAD_INPUTS
        if f'`{bad.name}`' not in text
    ]
    assert not missing, f'docs/troubleshooting.md lacks rows {missing}'


@pytest.mark.parametrize('bad', CLI_BAD_INPUTS, ids=lambda bad: bad.name)
def test_bad_command_line_stops_before_training(bad: CliBadInput, tmp_path,
                                                teacher_ckpt, distill_run,
                                                monkeypatch):
    argv = command_line(
        bad, str(tmp_path), teacher=teacher_ckpt, distill_run=distill_run)
    monkeypatch.setattr(sys, 'argv', [TRAIN, *argv])
    with pytest.raises(SystemExit) as stopped:
        runpy.run_path(TRAIN, run_name='__main__')
    message = str(stopped.value.code)
    assert message.startswith('error: ') and '\n' not in message, message
    assert re.search(bad.message, message), message
    assert not glob.glob(
        osp.join(tmp_path, 'run', '**', '*.pth'), recursive=True)


def test_a_bad_input_ends_the_process_with_one_line(tmp_path, teacher_ckpt,
                                                    python_runner):
    bad, = (
        bad for bad in CLI_BAD_INPUTS if bad.name == 'cli-edges-option-typo')
    result = python_runner(
        [TRAIN, *command_line(bad, str(tmp_path), teacher=teacher_ckpt)],
        check=False)
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith('error: ')
    assert re.search(bad.message, last_line), last_line
    assert not glob.glob(
        osp.join(tmp_path, 'run', '**', '*.pth'), recursive=True)
