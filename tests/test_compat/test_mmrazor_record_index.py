# Copyright (c) irg_mm contributors. All rights reserved.
"""MMRazor's recorders say what they hold when ``data_idx`` does not fit."""
import pytest
import torch
from mmrazor.models.task_modules import ModuleOutputsRecorder


def _recorder(record: object) -> ModuleOutputsRecorder:
    recorder = ModuleOutputsRecorder('neck')
    recorder.data_buffer.append(record)
    return recorder


def test_indices_that_fit_read_as_before():
    first, second = torch.zeros(1), torch.ones(1)
    recorder = _recorder((first, second))
    assert recorder.get_record_data() == (first, second)
    assert recorder.get_record_data(data_idx=1) is second
    assert recorder.get_record_data(data_idx=-2) is first


def test_index_beyond_a_tuple_names_the_valid_ones():
    with pytest.raises(
            IndexError,
            match=r"^data_idx=2 is out of range: ModuleOutputsRecorder on "
            r"'neck' records a tuple of 2 elements; use data_idx 0\.\.1"):
        _recorder((torch.zeros(1), torch.ones(1))).get_record_data(data_idx=2)


def test_index_into_a_tensor_says_to_remove_it():
    with pytest.raises(
            TypeError,
            match=r"^data_idx=0 indexes a tuple or list, but "
            r"ModuleOutputsRecorder on 'neck' records a single Tensor; "
            r'remove data_idx$'):
        _recorder(torch.zeros(1)).get_record_data(data_idx=0)
