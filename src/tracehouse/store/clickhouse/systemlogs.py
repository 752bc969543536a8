"""The server settings we ship to keep ClickHouse's own log tables small (a config.d file).

Each system log keeps a few days (TTL) and flushes in large blocks; the noisiest ones
(trace_log, text_log, the metric logs) are off. chDB writes none of them by default.
"""

from __future__ import annotations

#: system log table -> days kept (None: the log is turned off)
LOGS: dict[str, int | None] = {
    "query_log": 3,
    "query_thread_log": None,
    "query_views_log": None,
    "part_log": 3,
    "trace_log": None,
    "text_log": None,
    "metric_log": None,
    "asynchronous_metric_log": None,
    "latency_log": None,
    "processors_profile_log": None,
    "opentelemetry_span_log": None,
    "error_log": 7,
    "asynchronous_insert_log": 1,
    "session_log": None,
    "blob_storage_log": None,
}


def config_xml() -> str:
    """The config.d file (`/etc/clickhouse-server/config.d/tracehouse-logs.xml`)."""
    lines = ["<clickhouse>"]
    for name, days in LOGS.items():
        if days is None:
            lines.append(f'    <{name} remove="1"/>')
            continue
        lines += [
            f"    <{name}>",
            f"        <ttl>event_date + INTERVAL {days} DAY DELETE</ttl>",
            "        <flush_interval_milliseconds>7500</flush_interval_milliseconds>",
            f"    </{name}>",
        ]
    lines.append("</clickhouse>")
    return "\n".join(lines) + "\n"
