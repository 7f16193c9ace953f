# Copyright (c) irg_mm contributors. All rights reserved.
"""The one place a tool builds its Runner: the pre-flight checks, the
process group, then the Runner."""
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from irg_mm.engine.hooks.distill_check_hook import (DistillCheckHook,
                                                    distill_algorithm)
from irg_mm.preflight.checkpoint_check import (check_resume_checkpoint,
                                               check_teacher_fits,
                                               resolve_auto_resume)
from irg_mm.preflight.config_check import check_distill_config
from irg_mm.preflight.resume_check import check_exact_resume
from irg_mm.preflight.schedule_check import check_schedule
from irg_mm.preflight.visualizer_check import check_vis_backends
from irg_mm.utils.model_wrappers import unwrap_model
from .distributed import init_distributed


def build_runner(cfg: Config) -> Runner:
    """Check the config, join the process group and build the Runner.

    Each start-up step runs once: the config is checked and its distiller
    expanded before anything is built (see :func:`check_distill_config`),
    the checkpoints to load (teacher, ``--resume``) are mapped to check
    them without reading their weights, the Runner builds each network
    once, and the teacher checkpoint is checked to fit the teacher it
    built. Distillation runs get a :class:`DistillCheckHook` (dry run before
    the first iteration, stop at a non-finite loss).

    Args:
        cfg (Config): The full config; ``runner_type`` picks a custom runner.

    Returns:
        Runner: The runner, ready to train or test.
    """
    check_vis_backends(cfg)
    check_schedule(cfg)
    check_exact_resume(cfg)
    teacher_weights = check_distill_config(cfg)
    resolve_auto_resume(cfg)
    check_resume_checkpoint(cfg)
    init_distributed(cfg)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    model = unwrap_model(runner.model)
    if teacher_weights is not None:
        check_teacher_fits(cfg.model.teacher_ckpt, teacher_weights,
                           model.teacher)
    if distill_algorithm(model) is not None and not any(
            isinstance(hook, DistillCheckHook) for hook in runner.hooks):
        runner.register_hook(DistillCheckHook())
    return runner
