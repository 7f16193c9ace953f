# Copyright (c) irg_mm contributors. All rights reserved.
"""Settings that keep ``--resume`` of an epoch-based run from being exact."""
import pytest
from mmengine.config import Config

from irg_mm.errors import ConfigError
from irg_mm.preflight import resume_check
from irg_mm.preflight.resume_check import check_exact_resume

EPOCHS = dict(by_epoch=True, max_epochs=3)
ITERATIONS = dict(by_epoch=False, max_iters=30)
HOOK = dict(type='RandomStateHook')
WORKER_LINE = 'train_dataloader.persistent_workers=True: --resume will not'


def _cfg(train_cfg: dict = EPOCHS,
         checkpoint: dict = dict(interval=1),
         random_state: dict = HOOK,
         **loader: object) -> Config:
    return Config(
        dict(
            train_cfg=train_cfg,
            train_dataloader=dict(batch_size=4, **loader),
            default_hooks=dict(
                checkpoint=checkpoint, random_state=random_state)))


def _logged(monkeypatch, cfg: Config) -> list:
    """What the check logs."""
    lines = []
    monkeypatch.setattr(resume_check, 'print_log',
                        lambda line, **kwargs: lines.append(line))
    check_exact_resume(cfg)
    return lines


def test_checkpoints_inside_epochs_are_refused():
    with pytest.raises(
            ConfigError,
            match=r'^default_hooks.checkpoint.by_epoch=False: .* restarts\); '
            r'use by_epoch=True, or train_cfg=.*IterBasedTrainLoop'):
        check_exact_resume(_cfg(checkpoint=dict(by_epoch=False, interval=5)))


@pytest.mark.parametrize(
    'cfg',
    [
        _cfg(),  # checkpoints at epoch ends
        _cfg(checkpoint=None),  # no checkpoints
        _cfg(ITERATIONS, dict(by_epoch=False, interval=5)),
        _cfg(random_state=None),  # exact resume turned off
    ])
def test_exact_or_unchecked_settings_pass(cfg):
    check_exact_resume(cfg)


def test_persistent_workers_warn_in_one_line(monkeypatch):
    warnings = _logged(monkeypatch,
                       _cfg(num_workers=2, persistent_workers=True))
    assert len(warnings) == 1
    assert warnings[0].startswith(WORKER_LINE)
    assert 'set persistent_workers=False' in warnings[0]


@pytest.mark.parametrize(
    'loader',
    [
        dict(num_workers=2, persistent_workers=False),
        dict(num_workers=0, persistent_workers=True),  # no workers to persist
    ])
def test_workers_started_each_epoch_do_not_warn(monkeypatch, loader):
    assert _logged(monkeypatch, _cfg(**loader)) == []
