# Copyright (c) irg_mm contributors. All rights reserved.
import copy
from typing import Dict, List, Sequence, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop, autocast
from torch import nn
from torch.utils.data import DataLoader

from irg_mm.errors import ConfigError
from irg_mm.utils.model_wrappers import unwrap_model

# Prefix of the teacher's metrics, as MMRazor's SingleTeacherDistillValLoop
# names them in training logs.
TEACHER_PREFIX = 'teacher.'


class _StudentAndTeacherEvaluator(Evaluator):
    """The student's evaluator, plus a copy of it that scores the teacher.

    Args:
        student (Evaluator): The test evaluator, with its dataset meta set.
    """

    def __init__(self, student: Evaluator) -> None:
        super().__init__(student.metrics)
        self._dataset_meta = student.dataset_meta
        self.teacher = copy.deepcopy(student)

    def evaluate(self, size: int) -> Dict[str, float]:
        """The student's metrics and the teacher's, prefixed ``teacher.``."""
        metrics = super().evaluate(size)
        for key, value in self.teacher.evaluate(size).items():
            metrics[f'{TEACHER_PREFIX}{key}'] = value
        return metrics


@LOOPS.register_module()
class SingleTeacherDistillTestLoop(TestLoop):
    """Test the student and the teacher of a distiller in one pass.

    mmengine's ``TestLoop`` tests the algorithm, which predicts with the
    student only, and MMRazor evaluates the teacher only in its validation
    loop. Here every test batch also goes through the teacher (with the
    algorithm's data preprocessor, as in training); the student's metrics
    keep their names and the teacher's get the ``teacher.`` prefix, so a
    test reports what validation logs (``accuracy/top1`` and
    ``teacher.accuracy/top1``).

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader or dict): The test dataloader.
        evaluator (Evaluator or dict or list): The test evaluator.
        fp16 (bool): Whether to test under autocast. Defaults to False.

    Examples:
        >>> # in a SingleTeacherDistill config
        >>> test_cfg = dict(type='SingleTeacherDistillTestLoop')
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 fp16: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        model = unwrap_model(runner.model)
        if not isinstance(getattr(model, 'teacher', None), nn.Module):
            raise ConfigError(
                'test_cfg.type: SingleTeacherDistillTestLoop tests a '
                f'distiller with a teacher, but the model is a '
                f'{type(model).__name__}; use TestLoop')
        self.algorithm = model
        self.evaluator = _StudentAndTeacherEvaluator(self.evaluator)

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        """Test the student on one batch, then score the teacher on it.

        Args:
            idx (int): Index of the batch.
            data_batch (Sequence[dict]): The batch from the dataloader.
        """
        super().run_iter(idx, data_batch)
        with autocast(enabled=self.fp16):
            data = self.algorithm.data_preprocessor(data_batch, False)
            outputs = self.algorithm.teacher(**data, mode='predict')
        self.evaluator.teacher.process(
            data_samples=outputs, data_batch=data_batch)
