# Copyright (c) irg_mm contributors. All rights reserved.
"""A checkpoint write that fails halfway leaves the previous file whole,
and the checkpoint that max_keep_ckpts drops goes only after the new one.

Here the write fails with an exception; tests/test_tools/test_exact_resume.py
SIGKILLs a real run halfway through writing a checkpoint.
"""
import builtins
import os
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from kill_points import cutting_open
from mmengine.fileio import get_file_backend
from mmengine.hooks import CheckpointHook, checkpoint_hook
from mmengine.logging import MessageHub


def _hook_open(*args, **kwargs):
    """``open`` as CheckpointHook's code finds it: its module's own, else
    the builtin."""
    return vars(checkpoint_hook).get('open', builtins.open)(*args, **kwargs)


def _write_with_mmengine(path: str, content: bytes) -> None:
    """Each write mmengine makes of a checkpoint run: the checkpoint file
    (through its file backend) and ``last_checkpoint`` (CheckpointHook)."""
    if path.endswith('.pth'):
        get_file_backend(path).put(content, path)
    else:
        with _hook_open(path, 'w') as f:
            f.write(content.decode())


@pytest.mark.parametrize('name', ['epoch_1.pth', 'last_checkpoint'])
def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch, name):
    path = str(tmp_path / name)
    _write_with_mmengine(path, b'previous, whole')

    def disk_full() -> None:
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(builtins, 'open', cutting_open(name, disk_full))
    with pytest.raises(OSError, match='No space'):
        _write_with_mmengine(path, b'new content')
    with open(path, 'rb') as f:
        assert f.read() == b'previous, whole'
    assert os.listdir(tmp_path) == [name]  # no temporary file left


@pytest.mark.parametrize('name', ['epoch_1.pth', 'last_checkpoint'])
def test_write_replaces_the_file(tmp_path, name):
    path = str(tmp_path / name)
    _write_with_mmengine(path, b'previous')
    _write_with_mmengine(path, b'new')
    with open(path) as f:
        assert f.read() == 'new'
    assert os.listdir(tmp_path) == [name]


def test_dropped_checkpoint_is_removed_after_the_new_one_is_saved(tmp_path):
    # max_keep_ckpts=1: mmengine removed epoch_1.pth before writing
    # epoch_2.pth, so a kill during that write left no checkpoint.
    on_disk_while_saving = []

    def save_checkpoint(out_dir: str, filename: str, *args, **kwargs):
        on_disk_while_saving.append(sorted(os.listdir(out_dir)))
        with open(os.path.join(out_dir, filename), 'wb') as f:
            f.write(b'whole')

    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        message_hub=MessageHub.get_instance('dropped_checkpoint_test'),
        logger=MagicMock(),
        save_checkpoint=save_checkpoint)
    hook = CheckpointHook(interval=1, max_keep_ckpts=1)
    hook.before_train(runner)
    for epoch in (1, 2):
        hook._save_checkpoint_with_step(runner, epoch, dict(epoch=epoch))
    assert on_disk_while_saving[1] == ['epoch_1.pth', 'last_checkpoint']
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint']
