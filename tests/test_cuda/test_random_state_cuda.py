# Copyright (c) irg_mm contributors. All rights reserved.
"""RandomStateHook's CUDA generator states, through a checkpoint loaded
onto the GPU as a resume on the GPU loads it."""
import torch
from cuda_cases import NEEDS_CUDA

from irg_mm.compat import safe_torch_load
from irg_mm.engine.hooks.random_state_hook import (get_random_state,
                                                   set_random_state)


@NEEDS_CUDA
def test_cuda_generators_resume_from_a_checkpoint(tmp_path):
    torch.zeros(1, device='cuda')  # a process that has used CUDA
    state = get_random_state()
    assert len(state['cuda']) == torch.cuda.device_count()
    expected = torch.rand(3, device='cuda')
    torch.save({'random_state': [state]}, tmp_path / 'epoch_1.pth')
    loaded = safe_torch_load(
        str(tmp_path / 'epoch_1.pth'), map_location='cuda')
    set_random_state(loaded['random_state'][0])
    assert torch.equal(torch.rand(3, device='cuda'), expected)
