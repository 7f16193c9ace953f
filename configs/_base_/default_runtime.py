# Runtime shared by irg_mm configs: mmpretrain's defaults plus irg_mm itself.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['irg_mm'], allow_failed_imports=False)
