# Copyright (c) irg_mm contributors. All rights reserved.
"""leave_process_group_at_exit: no gloo thread is left when Python
finalizes, so a finished rank cannot abort in a gloo destructor."""
import re
import sys

import pytest
from gloo_ranks import free_port

# A DDP rank as in tools/train.py, whose main() ends with
# leave_process_group_at_exit().
RANK_SCRIPT = '''
import atexit, os
import torch, torch.distributed as dist
from irg_mm.utils.process_lifetime import leave_process_group_at_exit


def report():  # registered first, so it runs after the group is left
    names = sorted(open(f'/proc/self/task/{task}/comm').read().strip()
                   for task in os.listdir('/proc/self/task'))
    print(f'threads at exit: {names}', flush=True)


def main():
    dist.init_process_group('gloo')
    # A Runner lives in reference cycles: only the garbage collector frees
    # its DDP model, which holds the group.
    runner = dict(model=torch.nn.parallel.DistributedDataParallel(
        torch.nn.Linear(4, 4)))
    runner['self'] = runner
    runner['model'](torch.ones(2, 4)).sum().backward()
    dist.barrier()
    leave_process_group_at_exit()


atexit.register(report)
main()
'''


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')
def test_no_gloo_thread_is_left_at_exit(tmp_path, python_runner):
    script = tmp_path / 'rank.py'
    script.write_text(RANK_SCRIPT)
    result = python_runner([
        '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port()}',
        str(script)
    ],
                           timeout=300)
    # The two ranks may write their lines into each other.
    threads = re.findall(r'threads at exit: (\[[^]]*\])', result.stdout)
    assert len(threads) == 2, result.stdout + result.stderr
    for names in threads:
        # Before the fix: 'gloo_tcp_loop', 'pt_gloo_runloop', ...
        assert 'gloo' not in names, names
