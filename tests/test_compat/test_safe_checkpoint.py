# Copyright (c) irg_mm contributors. All rights reserved.
import os

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from irg_mm.compat import (CorruptCheckpointError, UnsafeCheckpointError,
                           safe_torch_load)
from irg_mm.engine.hooks.random_state_hook import (get_random_state,
                                                   set_random_state)


class WritesMarker:
    """Pickles into a call that would create a file if it ever ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


class _ReadsHistoryBufferAttribute:
    """Pickles into getattr(HistoryBuffer, name), as mmengine does."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self):
        return (getattr, (HistoryBuffer, self.name))


# One epoch of a tiny mmengine job; run in its own interpreter so that the
# Runner's default scope does not leak into the other tests.
WRITE_MMENGINE_CHECKPOINT = """
import sys, torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

class TinyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, mode='loss'):
        return dict(loss=self.linear(inputs).pow(2).mean())

Runner(
    model=TinyModel(),
    work_dir=sys.argv[1],
    train_dataloader=dict(
        dataset=[dict(inputs=torch.rand(2)) for _ in range(8)],
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=4,
        collate_fn=dict(type='default_collate')),
    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
    train_cfg=dict(by_epoch=True, max_epochs=1),
    default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
    default_scope='mmengine').train()
"""


@pytest.fixture(scope='module')
def mmengine_checkpoint(tmp_path_factory):
    """A checkpoint written by mmengine's Runner and CheckpointHook."""
    from conftest import run_python
    work_dir = tmp_path_factory.mktemp('runner')
    run_python(['-c', WRITE_MMENGINE_CHECKPOINT, str(work_dir)])
    return str(work_dir / 'epoch_1.pth')


def test_mmengine_checkpoint_needs_the_allow_list(mmengine_checkpoint,
                                                  python_runner):
    # A fresh interpreter without irg_mm: torch's default safe loading
    # refuses mmengine's own checkpoint.
    result = python_runner(
        ['-c', f'import torch; torch.load({mmengine_checkpoint!r})'],
        check=False)
    assert result.returncode != 0
    assert 'Unsupported global' in result.stderr or 'WeightsUnpickler' in (
        result.stderr)


def test_mmengine_checkpoint_loads(mmengine_checkpoint):
    checkpoint = CheckpointLoader.load_checkpoint(mmengine_checkpoint)
    scalars = checkpoint['message_hub']['log_scalars']
    assert isinstance(scalars['train/loss'], HistoryBuffer)
    assert scalars['train/loss'].statistics('mean') >= 0
    assert 'linear.weight' in checkpoint['state_dict']


def test_empty_history_buffer_loads(tmp_path):
    # Buffers the message hub created but never updated are saved too.
    path = tmp_path / 'empty.pth'
    torch.save({'buffer': HistoryBuffer()}, path)
    assert len(safe_torch_load(str(path))['buffer'].data[0]) == 0


def test_pickled_code_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / 'payload_ran'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': WritesMarker(str(marker))}, path)
    with pytest.raises(UnsafeCheckpointError, match='Nothing from the file'):
        CheckpointLoader.load_checkpoint(str(path))
    assert not marker.exists()


def test_random_state_loads_and_code_inside_it_is_refused(tmp_path):
    # What RandomStateHook stores: NumPy's state is a tuple holding a uint32
    # ndarray, torch's a uint8 tensor, Python's a tuple of ints.
    state, path = get_random_state(), tmp_path / 'epoch_1.pth'
    torch.save({'random_state': [state]}, path)
    loaded = safe_torch_load(str(path))['random_state'][0]
    set_random_state(loaded)
    assert loaded['python'] == state['python']
    assert (loaded['numpy'][1] == state['numpy'][1]).all()
    assert torch.equal(torch.get_rng_state(), state['torch'])

    marker, evil = tmp_path / 'payload_ran', tmp_path / 'evil.pth'
    carries_code = dict(state, numpy=('MT19937', WritesMarker(str(marker))))
    torch.save({'random_state': [carries_code]}, evil)
    with pytest.raises(UnsafeCheckpointError, match='Nothing from the file'):
        safe_torch_load(str(evil))
    assert not marker.exists()


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    allowed, refused = tmp_path / 'ok.pth', tmp_path / 'bad.pth'
    torch.save({'method': _ReadsHistoryBufferAttribute('mean')}, allowed)
    torch.save({'method': _ReadsHistoryBufferAttribute('__init__')}, refused)
    assert safe_torch_load(str(allowed))['method'] is HistoryBuffer.mean
    with pytest.raises(UnsafeCheckpointError, match='__init__'):
        safe_torch_load(str(refused))


def test_truncated_checkpoint_is_reported(mmengine_checkpoint, tmp_path):
    truncated = tmp_path / 'truncated.pth'
    with open(mmengine_checkpoint, 'rb') as f:
        truncated.write_bytes(f.read()[:os.path.getsize(mmengine_checkpoint) //
                                       2])
    with pytest.raises(CorruptCheckpointError, match='truncated'):
        CheckpointLoader.load_checkpoint(str(truncated))


def test_missing_checkpoint_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nope.pth'))
