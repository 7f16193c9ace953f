# Copyright (c) irg_mm contributors. All rights reserved.
__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Turn ``'0.1.0'`` into ``(0, 1, 0)``; a suffix like ``rc1`` is kept."""
    parts = []
    for part in version_str.split('.'):
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


version_info = parse_version_info(__version__)
