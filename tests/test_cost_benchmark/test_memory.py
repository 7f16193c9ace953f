# Copyright (c) irg_mm contributors. All rights reserved.
import pytest
import torch

from irg_mm.cost_benchmark.memory import PeakMemory

MIB = 2**20


def test_peak_memory_counts_the_live_peak_inside_the_block_only():
    earlier = torch.ones(2**23)  # 32 MiB, alive before the block
    with PeakMemory('cpu') as memory:
        del earlier  # freeing what existed before takes nothing off
        block = torch.ones(2**22)  # 16 MiB
        del block
        block = torch.ones(2**21)  # 8 MiB, while 16 MiB were freed
        other = torch.ones(2**20)  # 4 MiB: 12 MiB live at once
    assert memory.added_bytes() == 16 * MIB
    del block, other


def test_peak_memory_is_known_once_its_block_ends():
    memory = PeakMemory('cpu')
    with pytest.raises(RuntimeError, match='once its `with` block'):
        memory.added_bytes()
