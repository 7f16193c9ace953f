# Copyright (c) irg_mm contributors. All rights reserved.
"""Turn the errors of a user's config or files into one line on stderr.

A config mistake found before training is the user's to fix, and its
message names the key and the fix; a traceback through mmengine's internals
only hides that line. ``IRG_MM_TRACEBACK=1`` shows the traceback anyway.
"""
import os
from contextlib import contextmanager
from typing import Iterator

from irg_mm.errors import (CheckpointDownloadError, ConfigError,
                           CorruptCheckpointError, TeacherCheckpointError,
                           UnsafeCheckpointError,
                           UnsupportedCheckpointSchemeError, WorkDirBusyError)

USER_ERRORS = (ConfigError, TeacherCheckpointError, CorruptCheckpointError,
               UnsafeCheckpointError, CheckpointDownloadError,
               UnsupportedCheckpointSchemeError, WorkDirBusyError,
               FileNotFoundError)


@contextmanager
def exit_on_user_error() -> Iterator[None]:
    """Exit with ``error: <message>`` (status 1) on a user's mistake.

    Examples:
        >>> with exit_on_user_error():
        ...     raise ConfigError('train_cfg.max_epochs: ...; use >= 2')
        Traceback (most recent call last):
        SystemExit: error: train_cfg.max_epochs: ...; use >= 2
    """
    try:
        yield
    except USER_ERRORS as error:
        if os.environ.get('IRG_MM_TRACEBACK') == '1':
            raise
        raise SystemExit(f'error: {error}') from None
