# Copyright (c) irg_mm contributors. All rights reserved.
"""Say what a recorder holds when a mapping's ``data_idx`` does not fit it.

MMRazor's ``BaseRecorder.get_record_data`` stops a ``data_idx`` beyond a
tuple record with a bare ``AssertionError: data_idx is illegal. The length
of record is 2, but data_idx is 2.`` and one on a tensor record with a
``TypeError``; neither names the hook point nor the valid indices. What a
recorder records is known only once the network ran, so
:class:`irg_mm.engine.DistillCheckHook`'s dry run meets this first and
prefixes the mapping's config key; the fix makes the message say what was
recorded and which ``data_idx`` fit.
"""
from typing import Any, Optional


def get_record_data(self,
                    record_idx: int = 0,
                    data_idx: Optional[int] = None) -> Any:
    """``BaseRecorder.get_record_data`` with errors that give the fix.

    Args:
        record_idx (int): Which call of the hooked source. Defaults to 0.
        data_idx (int, optional): Index into a tuple or list record; None
            takes the whole record. Defaults to None.

    Returns:
        Any: The record, or its element ``data_idx``.

    Raises:
        IndexError: ``data_idx`` is beyond a tuple or list record.
        TypeError: ``data_idx`` is given for a record that is no sequence.

    Examples:
        >>> import torch
        >>> from mmrazor.models.task_modules import ModuleOutputsRecorder
        >>> recorder = ModuleOutputsRecorder('neck')
        >>> recorder.data_buffer.append((torch.zeros(2, 4), ))
        >>> get_record_data(recorder, data_idx=1)
        Traceback (most recent call last):
        IndexError: data_idx=1 is out of range: ModuleOutputsRecorder on ...
    """
    assert record_idx < len(self.data_buffer), \
        'record_idx is illegal. The length of data_buffer is ' \
        f'{len(self.data_buffer)}, but record_idx is {record_idx}.'
    record = self.data_buffer[record_idx]
    if data_idx is None:
        return record
    what = f'{type(self).__name__} on {self.source!r} records'
    if not isinstance(record, (list, tuple)):
        raise TypeError(
            f'data_idx={data_idx} indexes a tuple or list, but {what} a '
            f'single {type(record).__name__}; remove data_idx')
    if not -len(record) <= data_idx < len(record):
        raise IndexError(
            f'data_idx={data_idx} is out of range: {what} a '
            f'{type(record).__name__} of {len(record)} element'
            f'{"s" if len(record) != 1 else ""}; use data_idx '
            f'0..{len(record) - 1}, or leave it unset for the whole '
            f'{type(record).__name__}')
    return record[data_idx]


def patch_record_data_errors() -> None:
    """Put :func:`get_record_data` on MMRazor's ``BaseRecorder``."""
    from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
    BaseRecorder.get_record_data = get_record_data
