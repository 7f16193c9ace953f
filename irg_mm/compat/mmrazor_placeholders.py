# Copyright (c) irg_mm contributors. All rights reserved.
"""Point MMRazor 1.0.0's ``mmcls`` placeholders at mmpretrain's equivalents.

MMRazor imports a few names from ``mmcls`` (renamed mmpretrain) and, when that
fails, binds a placeholder class from ``mmrazor.utils.get_placeholder`` that
raises as soon as it is called. Two of them break MMRazor's distillation zoo:

- ``KDSoftCELoss`` calls the placeholder for ``soft_cross_entropy`` at its
  first forward (``PlaceHolder.__init__() got an unexpected keyword argument
  'reduction'``);
- CRD's ``PackCRDClsInputs`` subclasses the placeholder for ``PackClsInputs``
  and fails when built (and, once built, packs every sample after the first
  without its metainfo).

mmpretrain keeps the same functions under new names, so each placeholder is
replaced by its mmpretrain equivalent wherever an MMRazor module bound it, and
``PackCRDClsInputs`` is rebuilt from its own methods on mmpretrain's
``PackInputs``. Names that are real ``mmcls`` objects (mmcls installed) are
left alone.
"""
import functools
import sys
from typing import Any

PLACEHOLDER_QUALNAME = 'get_placeholder.<locals>.PlaceHolder'


def is_mmrazor_placeholder(obj: Any) -> bool:
    """Whether ``obj`` is a class made by ``mmrazor.utils.get_placeholder``.

    Args:
        obj (Any): Any object.

    Returns:
        bool: True for MMRazor's stand-in of a missing package's name.
    """
    return (isinstance(obj, type)
            and obj.__module__ == 'mmrazor.utils.placeholder'
            and obj.__qualname__ == PLACEHOLDER_QUALNAME)


def rebind_in_mmrazor(old: Any, new: Any) -> None:
    """Replace ``old`` by ``new`` in every loaded MMRazor module's namespace.

    A name imported with ``from ... import`` is a separate binding in each
    importing module (``mmrazor.datasets`` re-exports ``PackCRDClsInputs``,
    for example), so all of them are updated.

    Args:
        old (Any): The object to replace, compared by identity.
        new (Any): Its replacement.
    """
    for name, module in list(sys.modules.items()):
        if name != 'mmrazor' and not name.startswith('mmrazor.'):
            continue
        for attr, value in list(vars(module).items()):
            if value is old:
                setattr(module, attr, new)


def _replace_placeholder(value: Any, replacement: Any) -> None:
    if is_mmrazor_placeholder(value):
        rebind_in_mmrazor(value, replacement)


def _rebase(cls: type, base: type) -> type:
    """Rebuild ``cls`` with its own attributes on top of ``base``."""
    namespace = {
        key: value
        for key, value in vars(cls).items()
        if key not in ('__dict__', '__weakref__')
    }
    # ``type(base)`` keeps the base's metaclass (ABCMeta for mmcv transforms).
    return type(base)(cls.__name__, (base, ), namespace)


def _keep_meta_keys(pack_cls: type) -> None:
    """Restore ``meta_keys`` after each ``transform`` call of ``pack_cls``.

    MMRazor's ``PackCRDClsInputs.transform`` replaces ``self.meta_keys``
    with a generator (the keys but ``sample_idx``), which the first sample
    exhausts: every later sample was packed without its metainfo.
    """
    transform = pack_cls.transform

    @functools.wraps(transform)
    def transform_keeping_meta_keys(self, results: dict) -> dict:
        meta_keys = self.meta_keys
        try:
            return transform(self, results)
        finally:
            self.meta_keys = meta_keys

    pack_cls.transform = transform_keeping_meta_keys


def fix_kd_soft_ce_loss() -> None:
    """Give ``KDSoftCELoss`` mmpretrain's ``soft_cross_entropy``.

    The loss looks the function up as a module global when it is built, so
    losses built after this call use it.
    """
    from mmpretrain.models.losses.cross_entropy_loss import soft_cross_entropy
    from mmrazor.models.losses import kd_soft_ce_loss
    _replace_placeholder(kd_soft_ce_loss.soft_cross_entropy,
                         soft_cross_entropy)


def fix_pack_crd_cls_inputs() -> None:
    """Rebuild CRD's ``PackCRDClsInputs`` on mmpretrain's ``PackInputs``.

    Its ``transform`` reads ``to_tensor`` and ``ClsDataSample`` from its
    module's globals; those point at mmpretrain's ``to_tensor`` and
    ``DataSample``. The rebuilt class keeps its ``meta_keys`` from one
    sample to the next (see :func:`_keep_meta_keys`) and replaces the broken
    one in MMRazor's modules and in MMRazor's ``TRANSFORMS`` registry.
    """
    from mmpretrain.datasets.transforms.formatting import PackInputs, to_tensor
    from mmpretrain.structures import DataSample
    from mmrazor.datasets.transforms import formatting
    from mmrazor.registry import TRANSFORMS

    _replace_placeholder(formatting.to_tensor, to_tensor)
    _replace_placeholder(formatting.ClsDataSample, DataSample)
    _replace_placeholder(formatting.PackClsInputs, PackInputs)
    broken = formatting.PackCRDClsInputs
    if not is_mmrazor_placeholder(broken.__base__):
        return
    rebuilt = _rebase(broken, PackInputs)
    _keep_meta_keys(rebuilt)
    rebind_in_mmrazor(broken, rebuilt)
    TRANSFORMS.register_module(
        name=broken.__name__, module=rebuilt, force=True)


def point_mmcls_placeholders_at_mmpretrain() -> None:
    """Apply both fixes; safe to call more than once."""
    fix_kd_soft_ce_loss()
    fix_pack_crd_cls_inputs()
