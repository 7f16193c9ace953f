# Copyright (c) irg_mm contributors. All rights reserved.
"""The checks of the checkpoints a run loads look without reading weights.

tests/test_reliability/test_bad_inputs.py shows the messages a user sees;
these pin what the checks read and compare.
"""
import pytest
import torch
from torch import nn

from irg_mm.errors import CorruptCheckpointError, TeacherCheckpointError
from irg_mm.preflight.checkpoint_check import (check_teacher_fits,
                                               read_teacher_checkpoint)


def _teacher() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))


@pytest.fixture
def torch_loads(monkeypatch) -> list:
    """``(path, mmap)`` of every ``torch.load`` call."""
    calls = []
    load = torch.load

    def recorded(f, *args, mmap=None, **kwargs):
        calls.append((f, bool(mmap)))
        return load(f, *args, mmap=mmap, **kwargs)

    monkeypatch.setattr(torch, 'load', recorded)
    return calls


def test_a_teacher_file_is_mapped_not_read(tmp_path, torch_loads):
    path = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': _teacher().state_dict()}, path)
    shapes = read_teacher_checkpoint(path)
    assert torch_loads == [(path, True)]
    assert shapes['0.weight'] == (3, 4) and shapes['1.running_var'] == (3, )
    check_teacher_fits(path, shapes, _teacher())


def test_a_legacy_format_file_is_read(tmp_path, torch_loads):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'state_dict': _teacher().state_dict()},
               path,
               _use_new_zipfile_serialization=False)
    assert read_teacher_checkpoint(path)['0.bias'] == (3, )
    assert torch_loads == [(path, False)]


def test_a_truncated_file_is_a_corrupt_checkpoint(tmp_path):
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': _teacher().state_dict()}, str(path))
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(CorruptCheckpointError, match='truncated'):
        read_teacher_checkpoint(str(path))


def test_a_teacher_of_another_shape_lists_every_difference():
    shapes = {
        '0.weight': (3, 5),
        '0.bias': (3, ),
        'extra.weight': (1, ),
    }
    with pytest.raises(TeacherCheckpointError) as error:
        check_teacher_fits('t.pth', shapes, _teacher())
    message = str(error.value)
    assert "missing keys ['1.weight', '1.bias', '1.running_mean'" in message
    assert "unexpected keys ['extra.weight']" in message
    assert "['0.weight: (3, 5) vs (3, 4)']" in message
    # BatchNorm's counter is not a weight mmengine reports missing.
    assert 'num_batches_tracked' not in message


def test_a_distiller_checkpoint_as_teacher_gets_the_prefix_hint():
    shapes = {
        f'teacher.{key}': tuple(value.shape)
        for key, value in _teacher().state_dict().items()
    }
    with pytest.raises(
            TeacherCheckpointError, match="Every key starts with 'teacher.'"):
        check_teacher_fits('t.pth', shapes, _teacher())
