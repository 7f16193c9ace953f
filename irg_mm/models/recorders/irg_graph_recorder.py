# Copyright (c) irg_mm contributors. All rights reserved.
from typing import Any, List, Optional, Sequence, Tuple, Union

import torch
from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn
from torch.utils.hooks import RemovableHandle

from irg_mm.errors import VertexError
from irg_mm.utils.choices import check_choice
from ..utils.suggestions import nearest_names

RECORDER_POOLING_MODES = ('avg', 'flatten', 'none')
TOKEN_POOLING_MODES = ('mean', 'cls')


def _describe(value: Any) -> str:
    """A tensor's shape or an object's type, for a message."""
    if isinstance(value, torch.Tensor):
        return f'a tensor of shape {list(value.shape)}'
    return type(value).__name__


# Registered twice: 'IRGGraph' for ``TASK_UTILS.build``, and the class name
# because ``RecorderManager`` (hence every ConfigurableDistiller config)
# appends 'Recorder' to the ``type`` it is given.
@TASK_UTILS.register_module(['IRGGraph', 'IRGGraphRecorder'])
class IRGGraphRecorder(BaseRecorder):
    """Record the vertices of an instance relationship graph (IRG).

    A vertex of the IRG (Liu et al., CVPR 2019) is the feature of one
    instance at one layer. This recorder puts a forward hook on each module
    named in ``sources``, so a single forward records all of them, and turns
    each output into a batch of vertices:

    - ``pooling='avg'``: global average pooling, ``[B, C, H, W] -> [B, C]``
      as in the authors' code; token outputs ``[B, N, C]`` of transformer
      backbones are averaged over their ``N`` tokens, or reduced to their
      first (class) token with ``token_pooling='cls'``.
    - ``pooling='flatten'``: the whole output per instance, ``[B, C*H*W]``
      (``[B, N*C]`` for tokens), as in the common PyTorch reimplementation.
    - ``pooling='none'``: the raw tensor, e.g. for
      :class:`IRGTransformConnector` which aligns feature maps itself.

    ``[B, C]`` outputs are vertices already and pass through every mode.
    Three-dimensional outputs are read as token sequences ``[B, N, C]``.
    A tuple or list output (mmpretrain backbones and necks return tuples of
    stage outputs) contributes its element ``output_index``, by default the
    last, i.e. the deepest stage.

    Record ``k`` holds the ``k``-th call of every source in the last
    forward, so a module called more than once per forward is read with
    ``record_idx``, as for MMRazor's ``ModuleOutputsRecorder``. Entering the
    recorder (which ``RecorderManager`` does before every forward) clears the
    records, so they never accumulate across forwards.

    Args:
        sources (str | Sequence[str]): Names of the hook-point modules, as in
            ``model.named_modules()``, e.g. ``'backbone.layer4.1'``.
        pooling (str): How an output becomes vertices: ``'avg'``,
            ``'flatten'`` or ``'none'``. Defaults to ``'avg'``.
        token_pooling (str): How ``pooling='avg'`` reduces a token output
            ``[B, N, C]``: ``'mean'`` over tokens or ``'cls'`` for the first
            token. Defaults to ``'mean'``.
        output_index (int): Element taken from a tuple or list output.
            Defaults to -1.

    Examples:
        >>> import torch
        >>> from torch import nn
        >>> import irg_mm
        >>> from mmrazor.registry import TASK_UTILS
        >>> model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 4, 3))
        >>> recorder = TASK_UTILS.build(
        ...     dict(type='IRGGraph', sources=['0', '1']))
        >>> recorder.initialize(model)
        >>> with recorder:
        ...     _ = model(torch.rand(2, 3, 8, 8))
        >>> recorder.get_record_data(data_idx=1).shape
        torch.Size([2, 4])
        >>> [v.shape[1] for v in recorder.get_record_data()]
        [8, 4]
    """

    def __init__(self,
                 sources: Union[str, Sequence[str]],
                 pooling: str = 'avg',
                 token_pooling: str = 'mean',
                 output_index: int = -1) -> None:
        sources = (sources, ) if isinstance(sources, str) else tuple(sources)
        if not sources:
            raise ValueError('IRGGraphRecorder needs one or more sources')
        repeated = sorted(
            {name
             for name in sources if sources.count(name) > 1})
        if repeated:
            raise ValueError(
                f'IRGGraphRecorder names {repeated} more than once in its '
                f'sources {list(sources)}; name each hook point once')
        check_choice('pooling', pooling, RECORDER_POOLING_MODES)
        check_choice('token_pooling', token_pooling, TOKEN_POOLING_MODES)
        super().__init__(', '.join(sources))
        self._sources = sources
        self.pooling = pooling
        self.token_pooling = token_pooling
        self.output_index = output_index
        self._recording = False
        self._hook_handles: List[RemovableHandle] = []

    @property
    def sources(self) -> Tuple[str, ...]:
        """tuple[str]: names of the hook-point modules, in record order."""
        return self._sources

    @property
    def recording(self) -> bool:
        """bool: whether the forward hooks store what they see."""
        return self._recording

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        """Register a forward hook on every source module of ``model``.

        All sources are looked up before any hook is registered, so a wrong
        name leaves the model untouched. Hooks of an earlier call are
        removed first, so preparing twice does not record twice.

        Args:
            model (nn.Module): The model to record from.
        """
        if model is None:
            raise ValueError('IRGGraphRecorder needs the model to hook into')
        modules = dict(model.named_modules(remove_duplicate=False))
        for source in self._sources:
            if source not in modules:
                raise ValueError(
                    self._missing_source_message(source, model, modules))
        for handle in self._hook_handles:
            handle.remove()
        self._hook_handles = [
            modules[source].register_forward_hook(self._make_hook(index))
            for index, source in enumerate(self._sources)
        ]

    def get_record_data(self,
                        record_idx: int = 0,
                        data_idx: Optional[int] = None) -> Any:
        """Get the vertices recorded in the last forward.

        Args:
            record_idx (int): Which call of the sources, for modules called
                several times per forward. Defaults to 0.
            data_idx (int, optional): Index of a source in ``sources``. None
                gives all of them. Defaults to None.

        Returns:
            torch.Tensor | list[torch.Tensor]: The vertices of source
            ``data_idx`` (``[B, C]`` or ``[B, D]``, or the raw output with
            ``pooling='none'``), or with ``data_idx=None`` the list of every
            source's vertices in ``sources`` order.
        """
        if not 0 <= record_idx < len(self._data_buffer):
            raise IndexError(
                f'IRGGraphRecorder({list(self._sources)}) holds '
                f'{len(self._data_buffer)} record(s) from the last forward, '
                f'record_idx={record_idx} is out of range (run the forward '
                'inside the recorder or its RecorderManager)')
        record = self._data_buffer[record_idx]
        indices = range(len(record)) if data_idx is None else [data_idx]
        for index in indices:
            if not -len(record) <= index < len(record):
                raise IndexError(f'data_idx={data_idx} is out of range for '
                                 f'sources {list(self._sources)}')
            if record[index] is None:
                raise IndexError(
                    f'"{self._sources[index]}" ran fewer than '
                    f'{record_idx + 1} time(s) in the last forward, so '
                    f'record_idx={record_idx} does not exist for it')
        return list(record) if data_idx is None else record[data_idx]

    def _make_hook(self, index: int):
        """Build the forward hook that records source ``index``."""

        def hook(module: nn.Module, inputs: Tuple, outputs: Any) -> None:
            if self._recording:
                self._store(index, self._to_vertices(index, outputs))

        return hook

    def _store(self, index: int, vertices: torch.Tensor) -> None:
        """Put the vertices into the record of this call of the source."""
        # The k-th call of a source fills slot ``index`` of record k; a
        # record is created by whichever source reaches call k first.
        for record in self._data_buffer:
            if record[index] is None:
                record[index] = vertices
                return
        record = [None] * len(self._sources)
        record[index] = vertices
        self._data_buffer.append(record)

    def _to_vertices(self, index: int, outputs: Any) -> torch.Tensor:
        """Turn one module output into a batch of vertices."""
        elements = ''
        if isinstance(outputs, (tuple, list)):
            elements = (f' (element output_index={self.output_index} of a '
                        f'{type(outputs).__name__} of '
                        f'{[_describe(e) for e in outputs]})')
            outputs = outputs[self.output_index]
        if not isinstance(outputs, torch.Tensor) or outputs.dim() < 2:
            raise VertexError(
                self, f'IRGGraphRecorder: "{self._sources[index]}" gave '
                f'{_describe(outputs)}{elements}; a vertex batch needs a '
                'tensor of at least 2 dims [B, ...]: hook another module, '
                'or pick the tensor element of a tuple output with '
                'output_index')
        if self.pooling == 'none' or outputs.dim() == 2:
            return outputs
        if self.pooling == 'flatten':
            return outputs.flatten(1)
        if outputs.dim() == 3:
            return outputs[:, 0] if self.token_pooling == 'cls' else \
                outputs.mean(dim=1)
        return outputs.mean(dim=tuple(range(2, outputs.dim())))

    def _missing_source_message(self, source: str, model: nn.Module,
                                modules: dict) -> str:
        """Describe a missing hook point with the nearest real names."""
        return (f'IRGGraphRecorder(sources={list(self._sources)}): '
                f'"{source}" is not a module of {type(model).__name__}; '
                f'{nearest_names(source, modules)}')

    def __enter__(self) -> None:
        """Clear the records of the previous forward and start recording."""
        super().__enter__()
        self._recording = True

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        """Stop recording; the records stay readable until next entry."""
        super().__exit__(exc_type, exc_value, traceback)
        self._recording = False
