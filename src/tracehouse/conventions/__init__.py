"""Map OTLP spans and log records onto canonical records (owned by the OTLP transport work).

`map_spans` / `map_logs` do the generic part (ids, parent links, times, status, names, the
root span filling its trace, unmapped attributes kept) and call `families` for every
semantic-convention family (OTel GenAI, OpenInference, OpenLLMetry, Langfuse, logfire).
"""

from __future__ import annotations

from collections.abc import Sequence

from tracehouse.otlp.spans import LogData, SpanData
from tracehouse.records import Batch


def map_spans(spans: Sequence[SpanData]) -> Batch:
    raise NotImplementedError  # being written


def map_logs(logs: Sequence[LogData]) -> Batch:
    raise NotImplementedError  # being written
