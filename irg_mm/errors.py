# Copyright (c) irg_mm contributors. All rights reserved.
"""Errors of configs that cannot train as written.

A leaf module (it imports nothing of irg_mm), so every layer can raise them
and the tools can turn each into one line that names the key and the fix
(:func:`irg_mm.utils.user_errors.exit_on_user_error`).
"""


class ConfigError(ValueError):
    """A config value that cannot work; the message names the key and fix."""


class DistillConfigError(ConfigError):
    """A distillation config that cannot train as written."""
