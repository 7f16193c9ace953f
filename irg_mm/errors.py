# Copyright (c) irg_mm contributors. All rights reserved.
"""Every error irg_mm raises on purpose.

A leaf module (it imports nothing of irg_mm), so every layer can raise them
and the tools can turn each into one line that names the key and the fix
(:func:`irg_mm.launch.user_errors.exit_on_user_error`).
docs/troubleshooting.md lists each message.
"""
import pickle


class ConfigError(ValueError):
    """A config value that cannot work; the message names the key and fix."""


class DistillConfigError(ConfigError):
    """A distillation config that cannot train as written."""


class TeacherCheckpointError(ValueError):
    """``model.teacher_ckpt`` does not fit the teacher."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects outside the allow-list."""


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is truncated or not a checkpoint at all."""


class CheckpointDownloadError(OSError):
    """A remote checkpoint could not be downloaded."""


class UnsupportedCheckpointSchemeError(ValueError):
    """A checkpoint scheme irg_mm has no safe loader for."""


class NotADistillCheckpointError(ValueError):
    """A checkpoint holds no student saved by a distillation algorithm."""


class VertexError(TypeError):
    """A hooked module's output cannot become a batch of vertices.

    Args:
        recorder (IRGGraphRecorder): The recorder of that hook point, so
            that the error can be traced to its config key.
        message (str): What was recorded and how to fix it.
    """

    def __init__(self, recorder: object, message: str) -> None:
        super().__init__(message)
        self.recorder = recorder


class WorkDirBusyError(RuntimeError):
    """Another training run holds the work dir."""


class MMRazorQuantizationUnavailable(ImportError):
    """Raised when MMRazor's quantization code is used on a torch it does not
    support."""


class DataPreparationError(RuntimeError):
    """A data set's files cannot be found, read or verified; the message
    says how to get them."""
