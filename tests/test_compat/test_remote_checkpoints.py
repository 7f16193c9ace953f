# Copyright (c) irg_mm contributors. All rights reserved.
"""Every checkpoint scheme mmengine knows ends in irg_mm's safe load.

Nothing here touches the network: files are put where torch's hub cache
keeps them, and the download, pavi and the petrel file backend are
monkeypatched.
"""
import io
import json
import os
import os.path as osp
import sys
import types
from urllib.error import URLError

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader
from test_safe_checkpoint import WritesMarker

from irg_mm.compat import (CheckpointDownloadError, CorruptCheckpointError,
                           UnsafeCheckpointError,
                           UnsupportedCheckpointSchemeError, remote_checkpoint)
from irg_mm.compat.remote_checkpoint import (SAFE_LOADERS, hub_cache_path,
                                             install_safe_loaders)
from irg_mm.preflight.checkpoint_check import (TeacherCheckpointError,
                                               check_resume_checkpoint,
                                               check_teacher_fits,
                                               read_teacher_checkpoint)

# Every scheme mmengine 0.10.7 registers, as its prefix in CheckpointLoader.
MMENGINE_PREFIXES = ('', 'http://', 'https://', 'torchvision://',
                     'modelzoo://', 'open-mmlab://', 'openmmlab://',
                     'mmcls://', 'pavi://', r'(\S+\:)?s3://',
                     r'(\S+\:)?petrel://')
# A scheme path of each URL-naming scheme and the URL mmengine resolves it
# to; `resnet50_caffe` is a deprecated open-mmlab name mmengine renames.
NAMED_URLS = [
    ('https://example.com/models/x-0123abcd.pth',
     'https://example.com/models/x-0123abcd.pth'),
    ('http://example.com/x.pth', 'http://example.com/x.pth'),
    ('torchvision://resnet18',
     mmengine_checkpoint.get_torchvision_models()['resnet18']),
    ('modelzoo://resnet18',
     mmengine_checkpoint.get_torchvision_models()['resnet18']),
    ('open-mmlab://resnet50_caffe',
     mmengine_checkpoint.get_external_models()['detectron/resnet50_caffe']),
    ('openmmlab://vgg16_caffe',
     mmengine_checkpoint.get_external_models()['vgg16_caffe']),
    ('mmcls://resnet18', mmengine_checkpoint.get_mmcls_models()['resnet18']),
]
BYTES_SCHEMES = [
    's3://bucket/x.pth', 'petrel://bucket/x.pth',
    'open-mmlab:s3://bucket/x.pth'
]
REFUSED = 'Nothing from the file was executed'


@pytest.fixture(scope='module')
def classifier():
    """A tiny mmpretrain ImageClassifier (ResNet-18 layout, 8 channels)."""
    from mmpretrain.registry import MODELS
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='ResNet', depth=18, stem_channels=8, base_channels=8),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=3, in_channels=64)))


def mmpretrain_checkpoint(model: torch.nn.Module) -> dict:
    """A checkpoint laid out like mmpretrain's model-zoo files."""
    return {
        'meta': {
            'mmpretrain_version': '1.2.0',
            'epoch': 100,
            'dataset_meta': {
                'classes': ('a', 'b', 'c')
            }
        },
        'state_dict': model.state_dict()
    }


def saved_bytes(checkpoint) -> bytes:
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getvalue()


def save_poisoned(path, marker) -> None:
    torch.save({'state_dict': {}, 'meta': WritesMarker(str(marker))}, path)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache and mmengine home; downloads are errors."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    monkeypatch.setenv('MMENGINE_HOME', str(tmp_path / 'mmengine'))
    monkeypatch.setattr(torch.hub, '_hub_dir', None)

    def no_download(url, dst, *args, **kwargs):
        raise AssertionError(f'a test tried to download {url}')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', no_download)
    return tmp_path


def cached(url: str) -> str:
    """The hub-cache path of ``url``, its directory created."""
    path = hub_cache_path(url)
    os.makedirs(osp.dirname(path), exist_ok=True)
    return path


def test_every_mmengine_scheme_has_a_safe_loader():
    # A scheme a newer mmengine adds is refused at run time, and fails here
    # until it gets a safe loader.
    assert set(MMENGINE_PREFIXES) <= set(CheckpointLoader._schemes)
    for prefix, loader in CheckpointLoader._schemes.items():
        assert loader in SAFE_LOADERS, (prefix, loader)


def test_unknown_scheme_is_refused(monkeypatch):
    monkeypatch.setattr(CheckpointLoader, '_schemes',
                        dict(CheckpointLoader._schemes))
    calls = []
    CheckpointLoader.register_scheme('future://', lambda *a: calls.append(a))
    install_safe_loaders()
    install_safe_loaders()  # idempotent: the refusal is not wrapped again
    with pytest.raises(
            UnsupportedCheckpointSchemeError, match="'future://' .*<lambda>"):
        CheckpointLoader.load_checkpoint('future://x.pth')
    assert calls == []


@pytest.mark.parametrize('filename,url', NAMED_URLS)
def test_cached_payload_never_runs(hub, filename, url):
    marker = hub / 'PWNED'
    save_poisoned(cached(url), marker)
    with pytest.raises(UnsafeCheckpointError, match=REFUSED):
        CheckpointLoader.load_checkpoint(filename)
    assert not marker.exists()


@pytest.mark.parametrize('filename,url', NAMED_URLS)
def test_cached_mmpretrain_checkpoint_loads(hub, classifier, filename, url):
    torch.save(mmpretrain_checkpoint(classifier), cached(url))
    loaded = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    expected = classifier.state_dict()
    if filename.startswith('mmcls://'):
        # mmengine keeps an mmcls:// checkpoint's backbone, unprefixed.
        expected = {
            key[len('backbone.'):]: value
            for key, value in expected.items() if key.startswith('backbone.')
        }
    else:
        assert loaded['meta']['dataset_meta']['classes'] == ('a', 'b', 'c')
    assert loaded['state_dict'].keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(loaded['state_dict'][key], value), key


def test_truncated_cached_file_is_reported(hub, classifier):
    url = 'https://example.com/cut.pth'
    with open(cached(url), 'wb') as f:
        f.write(saved_bytes(mmpretrain_checkpoint(classifier))[:1000])
    with pytest.raises(CorruptCheckpointError, match=r'cut\.pth .*truncated'):
        CheckpointLoader.load_checkpoint(url)


def test_downloaded_payload_never_runs(hub, monkeypatch):
    marker = hub / 'PWNED'
    monkeypatch.setattr(torch.hub, 'download_url_to_file',
                        lambda url, dst, **kw: save_poisoned(dst, marker))
    with pytest.raises(UnsafeCheckpointError, match=REFUSED):
        CheckpointLoader.load_checkpoint('https://example.com/evil.pth')
    assert not marker.exists()


def test_download_happens_once(hub, classifier, monkeypatch):
    urls = []

    def download(url, dst, **kwargs):
        urls.append(url)
        torch.save(mmpretrain_checkpoint(classifier), dst)

    monkeypatch.setattr(torch.hub, 'download_url_to_file', download)
    for _ in range(2):
        CheckpointLoader.load_checkpoint('https://example.com/r18.pth')
    assert urls == ['https://example.com/r18.pth']
    assert osp.isfile(hub / 'torch' / 'hub' / 'checkpoints' / 'r18.pth')


def test_failed_download_says_where_to_put_the_file(hub, monkeypatch):

    def offline(url, dst, **kwargs):
        raise URLError('[Errno -3] Temporary failure in name resolution')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', offline)
    with pytest.raises(CheckpointDownloadError) as error:
        CheckpointLoader.load_checkpoint('https://example.com/r18.pth')
    message = str(error.value)
    assert '\n' not in message
    assert 'name resolution' in message
    assert hub_cache_path('https://example.com/r18.pth') in message


def test_unknown_model_name_names_the_nearest(hub):
    with pytest.raises(ValueError, match=r"nearest: \['resnet18'"):
        CheckpointLoader.load_checkpoint('torchvision://resnet1')


def test_openmmlab_entry_in_mmengine_home(hub, classifier):
    home = hub / 'mmengine'
    (home / 'local').mkdir(parents=True)
    (home / 'open_mmlab.json').write_text(
        json.dumps({
            'tiny': 'local/tiny.pth',
            'evil': 'local/evil.pth'
        }))
    torch.save(mmpretrain_checkpoint(classifier), home / 'local' / 'tiny.pth')
    save_poisoned(home / 'local' / 'evil.pth', hub / 'PWNED')
    loaded = CheckpointLoader.load_checkpoint('open-mmlab://tiny')
    assert loaded['state_dict'].keys() == classifier.state_dict().keys()
    with pytest.raises(UnsafeCheckpointError, match=REFUSED):
        CheckpointLoader.load_checkpoint('openmmlab://evil')
    assert not (hub / 'PWNED').exists()


@pytest.fixture
def fake_pavi(monkeypatch):
    """A ``pavi`` package whose model cloud holds the files put in it."""
    files = {}

    def get(name):
        model = types.SimpleNamespace(name=osp.basename(name))
        model.download = lambda path: open(path, 'wb').write(files[name])
        return model

    pavi = types.ModuleType('pavi')
    pavi.modelcloud = types.SimpleNamespace(get=get)
    monkeypatch.setitem(sys.modules, 'pavi', pavi)
    return files


def test_pavi_checkpoints_load_safely(hub, classifier, fake_pavi):
    marker = hub / 'PWNED'
    fake_pavi['run/evil.pth'] = saved_bytes(
        {'meta': WritesMarker(str(marker))})
    fake_pavi['run/good.pth'] = saved_bytes(mmpretrain_checkpoint(classifier))
    with pytest.raises(UnsafeCheckpointError, match=REFUSED):
        CheckpointLoader.load_checkpoint('pavi://run/evil.pth')
    assert not marker.exists()
    loaded = CheckpointLoader.load_checkpoint('pavi://run/good.pth')
    assert loaded['state_dict'].keys() == classifier.state_dict().keys()


@pytest.mark.parametrize('filename', BYTES_SCHEMES)
def test_object_storage_checkpoints_load_safely(hub, classifier, monkeypatch,
                                                filename):
    marker = hub / 'PWNED'
    stored = {}
    backend = types.SimpleNamespace(get=lambda name: stored[name])
    monkeypatch.setattr(remote_checkpoint, 'get_file_backend',
                        lambda name, backend_args: backend)
    stored[filename] = saved_bytes({'meta': WritesMarker(str(marker))})
    with pytest.raises(UnsafeCheckpointError, match=REFUSED):
        CheckpointLoader.load_checkpoint(filename)
    assert not marker.exists()
    stored[filename] = saved_bytes(mmpretrain_checkpoint(classifier))
    loaded = CheckpointLoader.load_checkpoint(filename)
    assert loaded['state_dict'].keys() == classifier.state_dict().keys()


@pytest.mark.parametrize('prefix', [None, 'backbone.'])
def test_pretrained_init_cfg_loads_safely(hub, classifier, prefix):
    # mmengine's PretrainedInit: load_checkpoint, or with a prefix
    # _load_checkpoint_with_prefix; both through CheckpointLoader.
    from mmpretrain.registry import MODELS
    url = 'https://example.com/backbone.pth'
    backbone_cfg = dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        init_cfg=dict(type='Pretrained', checkpoint=url, prefix=prefix))
    save_poisoned(cached(url), hub / 'PWNED')
    with pytest.raises(UnsafeCheckpointError, match=REFUSED):
        MODELS.build(backbone_cfg).init_weights()
    assert not (hub / 'PWNED').exists()
    weights = classifier.state_dict() if prefix else \
        classifier.backbone.state_dict()
    torch.save({'state_dict': weights}, cached(url))
    backbone = MODELS.build(backbone_cfg)
    backbone.init_weights()
    assert torch.equal(backbone.conv1.weight, classifier.backbone.conv1.weight)


def test_preflight_checks_a_remote_teacher(hub, classifier):
    url = 'https://example.com/teacher.pth'
    torch.save(mmpretrain_checkpoint(classifier), cached(url))
    check_teacher_fits(url, read_teacher_checkpoint(url), classifier)
    other = 'https://example.com/other.pth'
    wrong = {'state_dict': {'backbone.conv1.weight': torch.zeros(1)}}
    torch.save(wrong, cached(other))
    with pytest.raises(TeacherCheckpointError, match='missing keys'):
        check_teacher_fits(other, read_teacher_checkpoint(other), classifier)


def test_preflight_refuses_a_poisoned_remote_teacher(hub, classifier):
    marker = hub / 'PWNED'
    save_poisoned(
        cached(mmengine_checkpoint.get_torchvision_models()['resnet18']),
        marker)
    with pytest.raises(
            UnsafeCheckpointError,
            match=r'^model\.teacher_ckpt: Refused to load'):
        read_teacher_checkpoint('torchvision://resnet18')
    assert not marker.exists()


def test_preflight_downloads_the_teacher_once_and_maps_it(
        hub, classifier, monkeypatch):
    urls, full_reads = [], []
    load = torch.load

    def download(url, dst, **kwargs):
        urls.append(url)
        torch.save(mmpretrain_checkpoint(classifier), dst)

    def counted_load(f, *args, mmap=None, **kwargs):
        if not mmap:
            full_reads.append(f)
        return load(f, *args, mmap=mmap, **kwargs)

    monkeypatch.setattr(torch.hub, 'download_url_to_file', download)
    monkeypatch.setattr(torch, 'load', counted_load)
    url = 'https://example.com/teacher.pth'
    read_teacher_checkpoint(url)
    assert full_reads == []
    # What MMRazor then does with model.teacher_ckpt.
    mmengine_checkpoint.load_checkpoint(classifier, url, strict=True)
    assert urls == [url]
    assert full_reads == [cached(url)]


def test_preflight_checks_a_remote_resume(hub, classifier):
    url = 'https://example.com/work/epoch_3.pth'
    cfg = Config(dict(resume=True, load_from=url, work_dir=str(hub / 'w')))
    save_poisoned(cached(url), hub / 'PWNED')
    with pytest.raises(UnsafeCheckpointError, match=REFUSED):
        check_resume_checkpoint(cfg)
    assert not (hub / 'PWNED').exists()
    with open(cached(url), 'wb') as f:
        f.write(saved_bytes(mmpretrain_checkpoint(classifier))[:1000])
    with pytest.raises(
            CorruptCheckpointError,
            match=r'^Cannot resume: Checkpoint https://'):
        check_resume_checkpoint(cfg)
    torch.save(mmpretrain_checkpoint(classifier), cached(url))
    check_resume_checkpoint(cfg)


def test_train_tool_refuses_a_poisoned_url(tmp_path, monkeypatch,
                                           python_runner):
    # The reproduction, through the real entry point.
    marker = tmp_path / 'PWNED'
    checkpoints = tmp_path / 'hub' / 'checkpoints'
    checkpoints.mkdir(parents=True)
    save_poisoned(checkpoints / 'x.pth', marker)
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    result = python_runner([
        'tools/train.py', 'configs/digits/resnet8-w8_digits.py', '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', 'train_cfg.max_epochs=2',
        'load_from=https://example.com/x.pth'
    ],
                           check=False)
    assert not marker.exists()
    assert result.returncode != 0
    assert 'Traceback' not in result.stderr, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1].startswith(
        'error: Refused to load checkpoint https://example.com/x.pth '
        f'(cached at {checkpoints / "x.pth"})')
    assert 'Epoch(train)' not in result.stdout + result.stderr
