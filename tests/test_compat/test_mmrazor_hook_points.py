# Copyright (c) irg_mm contributors. All rights reserved.
"""The hook-point check is installed on MMRazor's ConfigurableDistiller once
(tests/test_models/test_distillers/test_hook_point_check.py shows what it
reports)."""
from mmrazor.models.distillers import ConfigurableDistiller

from irg_mm.compat.mmrazor_hook_points import check_hook_points_on_prepare


def test_both_sides_check_and_installing_again_changes_nothing():
    before = (ConfigurableDistiller.prepare_from_student,
              ConfigurableDistiller.prepare_from_teacher)
    assert all(
        getattr(method, 'checks_hook_points', False) for method in before)
    check_hook_points_on_prepare()
    assert (ConfigurableDistiller.prepare_from_student,
            ConfigurableDistiller.prepare_from_teacher) == before
