# Copyright (c) irg_mm contributors. All rights reserved.
"""Input checks of the IRG losses: fail early, name the loss and the fix."""
from torch import Tensor

NORMALIZE_MODES = ('max', 'mean', None)


def check_instance_features(loss_name: str,
                            preds_S: Tensor,
                            preds_T: Tensor,
                            vectors: bool = False,
                            same_shape: bool = False) -> None:
    """Check the student and teacher inputs of a per-instance loss.

    Args:
        loss_name (str): The calling loss, named in every message.
        preds_S (Tensor): Student records, batch dimension first.
        preds_T (Tensor): Teacher records, batch dimension first.
        vectors (bool): Whether both inputs must be ``[B]`` vectors (one
            value per instance); otherwise any ``[B, ...]`` input passes.
            Defaults to False.
        same_shape (bool): Whether the two shapes must be equal, not only
            the batch sizes. Defaults to False.

    Raises:
        TypeError: If an input is not a tensor.
        ValueError: If an input has no batch dimension or the wrong number
            of dimensions, the batch is empty, or the batch sizes (or, with
            ``same_shape``, the shapes) differ.

    Note:
        Only shapes are checked, which the host knows without waiting for
        the device. Values are not: reading one would synchronise with the
        GPU in every loss call. A NaN or Inf input gives a non-finite loss,
        which :class:`~irg_mm.engine.DistillCheckHook` reports once per
        iteration, naming the loss and its hook points.

    Examples:
        >>> import torch
        >>> check_instance_features('IRGEdgeLoss', torch.rand(0, 8),
        ...                         torch.rand(0, 4))
        Traceback (most recent call last):
        ValueError: IRGEdgeLoss got an empty batch ...
    """
    if not (isinstance(preds_S, Tensor) and isinstance(preds_T, Tensor)):
        raise TypeError(f'{loss_name} expects tensors, got student '
                        f'{type(preds_S).__name__} and teacher '
                        f'{type(preds_T).__name__}')
    # Every call of every IRG loss passes here: the messages are formatted
    # only on failure, so a valid call costs a few integer comparisons.
    _check_ndim(loss_name, preds_S, preds_T, vectors)
    if len(preds_S) == 0 or len(preds_T) == 0:
        raise ValueError(
            f'{loss_name} got an empty batch ({_shapes(preds_S, preds_T)}); '
            'it needs at least one instance: check the dataloader and the '
            'recorded hook point')
    if len(preds_S) != len(preds_T):
        raise ValueError(
            f'{loss_name} needs student and teacher records of the same '
            f'instances, got batch sizes {len(preds_S)} and {len(preds_T)} '
            f'({_shapes(preds_S, preds_T)}); feed both networks the same '
            'mini-batch')
    if same_shape and preds_S.shape != preds_T.shape:
        raise ValueError(
            f'{loss_name} compares features element-wise and needs equal '
            f'shapes, got {_shapes(preds_S, preds_T)}; add a connector that '
            'maps the student to the teacher shape, or use IRGEdgeLoss, '
            'which compares features of any dimension')


def _shapes(preds_S: Tensor, preds_T: Tensor) -> str:
    """Both shapes, for a message."""
    return (f'student shape {tuple(preds_S.shape)}, teacher shape '
            f'{tuple(preds_T.shape)}')


def _check_ndim(loss_name: str, preds_S: Tensor, preds_T: Tensor,
                vectors: bool) -> None:
    """Reject inputs without a batch dimension or of the wrong rank."""
    if preds_S.dim() == 0 or preds_T.dim() == 0:
        raise ValueError(
            f'{loss_name} expects per-instance inputs of shape [B, ...], got '
            f'{_shapes(preds_S, preds_T)}; pass the unreduced records, batch '
            'dimension first')
    if vectors and (preds_S.dim() != 1 or preds_T.dim() != 1):
        raise ValueError(
            f'{loss_name} expects [B] vectors, got '
            f'{_shapes(preds_S, preds_T)}; pass one value per instance, e.g. '
            'the output of IRGTransformConnector')
