# Copyright (c) irg_mm contributors. All rights reserved.
"""Check that the config's visualizer backends can import what they need.

mmengine's backends import their package (TensorBoard, wandb, ...) only when
they first write, right before the first iteration: a missing package ends a
run after the models, data and checkpoints are loaded, and for TensorBoard
with the misleading hint ``pip install future tensorboard``.
:func:`check_vis_backends` runs before the Runner is built (from
:func:`irg_mm.launch.build_runner`) and names the config key and the fix.
"""
import importlib
from typing import Dict, Tuple

from mmengine.config import Config

from irg_mm.errors import ConfigError

# Backend type -> (module mmengine imports for it, its pip package).
BACKEND_IMPORTS: Dict[str, Tuple[str, str]] = {
    'TensorboardVisBackend': ('torch.utils.tensorboard', 'tensorboard'),
    'WandbVisBackend': ('wandb', 'wandb'),
    'MLflowVisBackend': ('mlflow', 'mlflow'),
    'ClearMLVisBackend': ('clearml', 'clearml'),
    'NeptuneVisBackend': ('neptune', 'neptune'),
    'AimVisBackend': ('aim', 'aim'),
}


def _backend_name(backend_type) -> str:
    """``'TensorboardVisBackend'`` for ``'mmengine.TensorboardVisBackend'``
    or the class itself."""
    if isinstance(backend_type, str):
        return backend_type.rsplit('.', maxsplit=1)[-1]
    return getattr(backend_type, '__name__', '')


def check_vis_backends(cfg: Config) -> None:
    """Raise when a backend of ``visualizer.vis_backends`` cannot import its
    package.

    Args:
        cfg (Config): The full config; ``cfg.visualizer.vis_backends`` is
            read. Configs without a visualizer pass.

    Raises:
        ConfigError: Naming ``visualizer.vis_backends``, the backend and the
            ``pip install`` that fixes it.

    Examples:
        >>> cfg = Config(dict(visualizer=dict(
        ...     type='UniversalVisualizer',
        ...     vis_backends=[dict(type='LocalVisBackend')])))
        >>> check_vis_backends(cfg)  # LocalVisBackend needs no package
    """
    visualizer = cfg.get('visualizer') or {}
    for backend in visualizer.get('vis_backends') or []:
        name = _backend_name(backend.get('type'))
        if name not in BACKEND_IMPORTS:
            continue
        module, package = BACKEND_IMPORTS[name]
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ConfigError(
                f'visualizer.vis_backends: {name} needs the {package} '
                f'package ({error}); run `pip install {package}`, or remove '
                f'{name} from visualizer.vis_backends') from None
