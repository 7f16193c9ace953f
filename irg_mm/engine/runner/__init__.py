# Copyright (c) irg_mm contributors. All rights reserved.
from .single_teacher_distill_test_loop import SingleTeacherDistillTestLoop

__all__ = ['SingleTeacherDistillTestLoop']
