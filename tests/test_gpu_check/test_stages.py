# Copyright (c) irg_mm contributors. All rights reserved.
"""irg_mm.gpu_check.stages: what the stages run is in the repository (the
stages themselves need a GPU: ``bash tools/gpu_check.sh``)."""
import os.path as osp

from conftest import REPO_ROOT

from irg_mm.gpu_check import stages


def test_stages_run_files_that_exist():
    for path in (stages.CONFIG, stages.TRAIN, stages.DIST_TRAIN,
                 stages.DDP_TEST, stages.COST_BENCHMARK[0]):
        assert osp.isfile(osp.join(REPO_ROOT, path)), path
