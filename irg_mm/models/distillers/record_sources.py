# Copyright (c) irg_mm contributors. All rights reserved.
"""Name the hook points behind a distiller's records, for messages and
plots."""
from mmrazor.models.distillers import ConfigurableDistiller


def record_sources(distiller: ConfigurableDistiller, record: dict) -> str:
    """The hook point(s) one ``loss_forward_mappings`` entry reads.

    Args:
        distiller (ConfigurableDistiller): The built distiller.
        record (dict): One argument's entry of ``loss_forward_mappings``
            (``from_student``, ``recorder``, optional ``data_idx``).

    Returns:
        str: e.g. ``'backbone.layer3.0'``, or ``'backbone.layer1.0 ->
        backbone.layer2.0'`` for the two layers of a transformation.
    """
    manager = distiller.student_recorders if record['from_student'] else \
        distiller.teacher_recorders
    recorder = manager.get_recorder(record['recorder'])
    sources = getattr(recorder, 'sources', None)
    if sources is None:
        return recorder.source
    data_idx = record.get('data_idx')
    return sources[data_idx] if data_idx is not None else ' -> '.join(sources)


def describe_record(distiller: ConfigurableDistiller, record: dict) -> str:
    """:func:`record_sources` with the network's side first.

    Args:
        distiller (ConfigurableDistiller): The built distiller.
        record (dict): One argument's entry of ``loss_forward_mappings``.

    Returns:
        str: e.g. ``'student backbone.layer3.0'``.
    """
    side = 'student' if record['from_student'] else 'teacher'
    return f'{side} {record_sources(distiller, record)}'
