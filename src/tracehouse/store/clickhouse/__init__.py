"""ClickHouse as the trace store: traces, observations, scores and model calls (issue 28).

`url` parses the settings, `client` connects (a server through clickhouse-connect, or chDB
in-process), `schema` generates the DDL (one node or a cluster), `dispatch` tells the store
functions whether ClickHouse answers, `write` is the ingest path, `reads` and `trace_list` the
trace API's reads, `purge` deletes. See docs/clickhouse.md.
"""
