# Copyright (c) irg_mm contributors. All rights reserved.
import importlib

import pytest

from irg_mm.compat import MMRazorQuantizationUnavailable

IMPORT_DISTILL = (
    'from mmrazor.registry import MODELS; import mmrazor.models; '
    "assert MODELS.get('SingleTeacherDistill') is not None")


def test_mmrazor_models_do_not_import_without_irg_mm(python_runner):
    # Proves the stand-in is needed on this torch: without irg_mm first,
    # MMRazor's quantization structures break `import mmrazor.models`.
    result = python_runner(['-c', IMPORT_DISTILL], check=False)
    assert result.returncode != 0
    assert 'quantization' in result.stderr


def test_mmrazor_distill_imports_after_irg_mm(python_runner):
    python_runner(['-c', 'import irg_mm; ' + IMPORT_DISTILL])


def test_quantization_fails_clearly_when_used():
    from mmrazor.structures.quantization import QConfigHandler
    with pytest.raises(MMRazorQuantizationUnavailable, match='mmrazor#632'):
        QConfigHandler(dict(w_observer=None))


def test_stand_in_hides_dunder_names():
    stand_in = importlib.import_module('mmrazor.structures.quantization')
    assert stand_in.__all__ == []
    with pytest.raises(AttributeError):
        stand_in.__path__
