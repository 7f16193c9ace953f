# Copyright (c) irg_mm contributors. All rights reserved.
"""Every checkpoint scheme mmengine knows, ending in the same safe load.

mmengine's ``CheckpointLoader`` fetches ``http(s)://`` checkpoints (and
``torchvision://``, ``modelzoo://``, ``open-mmlab://``, ``openmmlab://`` and
``mmcls://``, which name such a URL) with
``torch.hub.load_state_dict_from_url``, which unpickles with
``weights_only=False``: a hostile URL, or a poisoned file in a shared torch
hub cache, runs code. The loaders here only find or download the file, with
mmengine's name tables and torch's own download helper, and always load it
with :func:`~irg_mm.compat.safe_torch_load`. :func:`install_safe_loaders`
puts them in place of every scheme mmengine registered, and refuses any
scheme it has no safe loader for.
"""
import difflib
import io
import os
import os.path as osp
import sys
from tempfile import TemporaryDirectory
from typing import Any, Callable, Dict, Optional
from urllib.error import URLError
from urllib.parse import urlparse

import torch
from mmengine.dist import get_dist_info
from mmengine.fileio import get_file_backend
from mmengine.logging import print_log
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from irg_mm.errors import (CheckpointDownloadError,
                           UnsupportedCheckpointSchemeError)
from .safe_checkpoint import load_from_local, safe_torch_load


def hub_cache_path(url: str) -> str:
    """Where torch's hub cache keeps the file of ``url``.

    The same place as ``torch.hub.load_state_dict_from_url`` uses, so files
    it downloaded before are found and not fetched again.

    Args:
        url (str): An ``http(s)://`` checkpoint URL.

    Returns:
        str: ``<torch.hub.get_dir()>/checkpoints/<file name of the URL>``.

    Examples:
        >>> os.environ['TORCH_HOME'] = '/tmp/torch'
        >>> hub_cache_path('https://example.com/models/r18-5c106cde.pth')
        '/tmp/torch/hub/checkpoints/r18-5c106cde.pth'
    """
    return osp.join(torch.hub.get_dir(), 'checkpoints',
                    osp.basename(urlparse(url).path))


def download_to_hub_cache(url: str) -> str:
    """The cached file of ``url``, downloaded first if it is not there.

    Nothing is loaded: the caller loads the file safely.

    Args:
        url (str): An ``http(s)://`` checkpoint URL.

    Returns:
        str: Path of the cached file.

    Raises:
        CheckpointDownloadError: The download failed; the message says where
            to put the file by hand.
    """
    path = hub_cache_path(url)
    if osp.isfile(path):
        return path
    os.makedirs(osp.dirname(path), exist_ok=True)
    print_log(f'Downloading {url} to {path}', logger='current')
    try:
        torch.hub.download_url_to_file(url, path, progress=sys.stderr.isatty())
    except (URLError, OSError) as error:
        raise CheckpointDownloadError(
            f'Cannot download checkpoint {url} ({error}). Check the URL and '
            f'the network, or download the file yourself to {path} (the '
            'torch hub cache; TORCH_HOME moves it) or point the config at a '
            'local copy.') from error
    return path


def fetch_checkpoint(url: str) -> str:
    """:func:`download_to_hub_cache` on rank 0 first, then on the others.

    In a distributed run the other ranks wait for rank 0's download and
    then find the file in the cache (as mmengine's http loader does).

    Args:
        url (str): An ``http(s)://`` checkpoint URL.

    Returns:
        str: Path of the cached file.
    """
    rank, world_size = get_dist_info()
    if rank > 0:
        torch.distributed.barrier()
    try:
        return download_to_hub_cache(url)
    finally:
        # Released even when the download failed, so the other ranks fail
        # with their own error instead of waiting forever.
        if rank == 0 and world_size > 1:
            torch.distributed.barrier()


def _model_url(filename: str, prefix: str, urls: Dict[str, str]) -> str:
    """The URL a named checkpoint (``torchvision://resnet50``) stands for."""
    name = filename[len(prefix):]
    if name not in urls:
        nearest = difflib.get_close_matches(name, urls, n=5, cutoff=0.5)
        raise ValueError(
            f'{filename}: {name!r} is not a checkpoint name of '
            f'{prefix} (nearest: {nearest}); use one of mmengine\'s '
            'model-zoo names or an https:// URL')
    return urls[name]


def load_from_http(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load an ``http(s)://`` checkpoint from the torch hub cache, safely.

    Args:
        filename (str): The URL.
        map_location (Any, optional): Same as :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint.
    """
    path = fetch_checkpoint(filename)
    return safe_torch_load(
        path,
        map_location=map_location,
        description=f'{filename} (cached at {path})')


def load_from_torchvision(filename: str,
                          map_location: Optional[Any] = None) -> Any:
    """Load a ``torchvision://NAME`` (or ``modelzoo://NAME``) checkpoint.

    Args:
        filename (str): The scheme path.
        map_location (Any, optional): Same as :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint.
    """
    prefix = 'modelzoo://' if filename.startswith(
        'modelzoo://') else 'torchvision://'
    urls = mmengine_checkpoint.get_torchvision_models()
    return load_from_http(
        _model_url(filename, prefix, urls), map_location=map_location)


def load_from_openmmlab(filename: str,
                        map_location: Optional[Any] = None) -> Any:
    """Load an ``open-mmlab://NAME`` (or ``openmmlab://NAME``) checkpoint.

    Names come from mmengine's table plus ``$MMENGINE_HOME/open_mmlab.json``;
    deprecated names are mapped to their successors as mmengine does. An
    entry that is not a URL is a file under ``$MMENGINE_HOME``.

    Args:
        filename (str): The scheme path.
        map_location (Any, optional): Same as :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint.
    """
    prefix = filename[:filename.index('://') + 3]
    name = filename[len(prefix):]
    name = mmengine_checkpoint.get_deprecated_model_names().get(name, name)
    url = _model_url(prefix + name, prefix,
                     mmengine_checkpoint.get_external_models())
    if url.startswith(('http://', 'https://')):
        return load_from_http(url, map_location=map_location)
    return load_from_local(
        osp.join(mmengine_checkpoint._get_mmengine_home(), url),
        map_location=map_location)


def load_from_mmcls(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load an ``mmcls://NAME`` checkpoint, keeping its backbone as mmengine
    does (the ``backbone.`` prefix removed).

    Args:
        filename (str): The scheme path.
        map_location (Any, optional): Same as :func:`torch.load`.

    Returns:
        dict: ``{'state_dict': backbone weights}``.
    """
    url = _model_url(filename, 'mmcls://',
                     mmengine_checkpoint.get_mmcls_models())
    return mmengine_checkpoint._process_mmcls_checkpoint(
        load_from_http(url, map_location=map_location))


def load_from_pavi(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load a ``pavi://`` checkpoint: downloaded by pavi, loaded safely.

    Args:
        filename (str): The scheme path.
        map_location (Any, optional): Same as :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint.
    """
    try:
        from pavi import modelcloud
    except ImportError as error:
        raise ImportError(f'{filename}: loading pavi:// checkpoints needs '
                          'pavi (pip install pavi)') from error
    model = modelcloud.get(filename[len('pavi://'):])
    with TemporaryDirectory() as tmp_dir:
        path = osp.join(tmp_dir, model.name)
        model.download(path)
        return safe_torch_load(
            path, map_location=map_location, description=filename)


def load_from_ceph(filename: str,
                   map_location: Optional[Any] = None,
                   backend: str = 'petrel') -> Any:
    """Load an ``s3://`` or ``petrel://`` checkpoint: read by mmengine's file
    backend, loaded safely.

    Args:
        filename (str): The scheme path.
        map_location (Any, optional): Same as :func:`torch.load`.
        backend (str): mmengine file backend. Defaults to ``'petrel'``.

    Returns:
        Any: The loaded checkpoint.
    """
    file_backend = get_file_backend(
        filename, backend_args={'backend': backend})
    with io.BytesIO(file_backend.get(filename)) as buffer:
        return safe_torch_load(
            buffer, map_location=map_location, description=filename)


# mmengine's loader of each scheme -> the safe loader that replaces it.
SAFE_REPLACEMENTS: Dict[Callable, Callable] = {
    mmengine_checkpoint.load_from_local: load_from_local,
    mmengine_checkpoint.load_from_http: load_from_http,
    mmengine_checkpoint.load_from_torchvision: load_from_torchvision,
    mmengine_checkpoint.load_from_openmmlab: load_from_openmmlab,
    mmengine_checkpoint.load_from_mmcls: load_from_mmcls,
    mmengine_checkpoint.load_from_pavi: load_from_pavi,
    mmengine_checkpoint.load_from_ceph: load_from_ceph,
}
SAFE_LOADERS = frozenset(SAFE_REPLACEMENTS.values())


def refusing_loader(prefix: str, unsafe_loader: Callable) -> Callable:
    """A loader that refuses a scheme irg_mm has no safe loader for.

    Args:
        prefix (str): The scheme's prefix in ``CheckpointLoader``.
        unsafe_loader (Callable): The loader it replaces.

    Returns:
        Callable: A ``load_from_*`` function that raises
        :class:`UnsupportedCheckpointSchemeError`.
    """

    def load_from_unsupported(filename: str,
                              map_location: Optional[Any] = None) -> Any:
        raise UnsupportedCheckpointSchemeError(
            f'{filename}: irg_mm has no safe loader for the checkpoint '
            f'scheme {prefix!r} (registered by {unsafe_loader.__module__}.'
            f'{unsafe_loader.__name__}, which may unpickle code). Download '
            'the file and use its local path, or register a loader that '
            'calls irg_mm.compat.safe_torch_load after importing irg_mm.')

    load_from_unsupported.refused_scheme = prefix
    return load_from_unsupported


def install_safe_loaders() -> None:
    """Replace the loader of every scheme ``CheckpointLoader`` knows.

    mmengine's own schemes get their safe twin from
    :data:`SAFE_REPLACEMENTS`; any other scheme registered so far (a newer
    mmengine's, or a package's) is refused by :func:`refusing_loader`, so
    no checkpoint path is left to an unsafe load. Calling it again keeps the
    safe loaders in place.
    """
    # CheckpointLoader has no public way to list its schemes.
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if loader in SAFE_LOADERS or hasattr(loader, 'refused_scheme'):
            continue
        safe_loader = SAFE_REPLACEMENTS.get(loader) or refusing_loader(
            prefix, loader)
        CheckpointLoader.register_scheme(prefix, safe_loader, force=True)
