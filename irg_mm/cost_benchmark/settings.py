# Copyright (c) irg_mm contributors. All rights reserved.
"""What one cost-benchmark run measures, and how often.

``tools/analysis/cost_benchmark.py`` fills :class:`Settings` from its
command line (whose defaults are the fields' defaults), and every worker
process gets a copy as JSON.

Examples:
    >>> settings = Settings(batch_sizes=(4, ), dims=(8, ))
    >>> Settings.from_json(settings.to_json()) == settings
    True
"""
import dataclasses
import json
from typing import Sequence

from .kernels import KERNELS
from .steps import STEPS


@dataclasses.dataclass(frozen=True)
class Settings:
    """The sizes, repeats and variants of one cost-benchmark run.

    Args:
        device (str): ``'cpu'`` or a CUDA device. Defaults to ``'cpu'``.
        batch_sizes (Sequence[int]): Kernel section: batch sizes ``B``.
            Defaults to (32, 64, 256).
        dims (Sequence[int]): Kernel section: feature dimensions ``D``.
            Defaults to (512, 25088, 200704): ResNet-18's pooled features,
            and its layer4 and layer1 outputs flattened.
        repeat (int): Kernel section: timed calls per kernel. Defaults to 5.
        skip_naive_above (int): Kernel section: leave out the naive kernel
            where one of its ``B x B x D`` float32 tensors exceeds this many
            bytes (autograd keeps several). Defaults to 2**30.
        kernels (Sequence[str]): Kernel section: keys of
            :data:`~irg_mm.cost_benchmark.kernels.KERNELS`. Defaults to all.
        step_batch (int): Step section: images per step. Defaults to 8
            (the recipe uses 32 per GPU; 8 keeps a CPU step at seconds).
        step_image_size (int): Step section: image side. Defaults to 224.
        step_warmup (int): Step section: untimed steps first. Defaults to 2.
        step_repeat (int): Step section: timed steps per variant. Defaults
            to 5.
        step_precision (str): Step section: a key of
            :data:`~irg_mm.cost_benchmark.steps.PRECISIONS`. Defaults to
            ``'fp32'``.
        steps (Sequence[str]): Step section: keys of
            :data:`~irg_mm.cost_benchmark.steps.STEPS`. Defaults to all.
        layout_repeat (int): Layout section: timed steps per model and
            precision. Defaults to 10.
    """
    device: str = 'cpu'
    batch_sizes: Sequence[int] = (32, 64, 256)
    dims: Sequence[int] = (512, 25088, 200704)
    repeat: int = 5
    skip_naive_above: int = 2**30
    kernels: Sequence[str] = tuple(KERNELS)
    step_batch: int = 8
    step_image_size: int = 224
    step_warmup: int = 2
    step_repeat: int = 5
    step_precision: str = 'fp32'
    steps: Sequence[str] = tuple(STEPS)
    layout_repeat: int = 10

    def to_json(self) -> str:
        """The settings as one JSON object, for a worker's command line.

        Returns:
            str: JSON text.
        """
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> 'Settings':
        """The settings that :meth:`to_json` wrote.

        Sequences come back as tuples, so the copy equals the original.

        Args:
            text (str): JSON text.

        Returns:
            Settings: The settings.
        """
        fields = json.loads(text)
        return cls(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in fields.items()
            })
