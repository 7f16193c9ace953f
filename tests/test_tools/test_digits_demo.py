# Copyright (c) irg_mm contributors. All rights reserved.
"""A one-seed, few-iteration run of the `make demo` pipeline."""
import json
import struct


def test_digits_demo_pipeline(tmp_path, python_runner):
    result = python_runner([
        'tools/digits_demo.py', '--work-dir',
        str(tmp_path), '--seeds', '0', '--methods', 'baseline', 'irg',
        '--cfg-options', 'train_cfg.max_epochs=2',
        'train_dataloader.dataset.train_fraction=0.1',
        'default_hooks.logger.interval=1'
    ])
    assert 'teacher top-1' in result.stdout
    table = (tmp_path / 'results.md').read_text()
    for label in ('teacher ResNet-20', 'student alone', 'IRG (edges'):
        assert label in table
    assert table in result.stdout
    runs = json.loads((tmp_path / 'results.json').read_text())
    assert [(r['method'], r['seed']) for r in runs] == [('teacher', 0),
                                                        ('baseline', 0),
                                                        ('irg', 0)]
    assert all(0.0 <= r['top1'] <= 100.0 for r in runs)
    # The IRG student really distilled from the teacher the demo trained.
    irg_log = (tmp_path / 'irg' / 'seed0' / 'train.log').read_text()
    assert 'distill.loss_irg_edge0' in irg_log
    assert str(tmp_path / 'teacher') in irg_log
    png = (tmp_path / 'results.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    assert struct.unpack('>II', png[16:24]) == (800, 400)
