"""Flat tables of exported traces for CSV and Parquet: one row per trace, per observation or
per score, with fixed typed columns (nested values are JSON text)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

Row = dict[str, Any]
# (column, arrow type, value from the exported object)
Column = tuple[str, str, Callable[[Row], Any]]


def _field(name: str) -> Callable[[Row], Any]:
    return lambda item: item.get(name)


def _json(name: str) -> Callable[[Row], Any]:
    def get(item: Row) -> Any:
        value = item.get(name)
        return None if value is None else json.dumps(value, ensure_ascii=False)

    return get


def _part(group: str, name: str) -> Callable[[Row], Any]:
    return lambda item: (item.get(group) or {}).get(name)


def _columns(spec: str) -> list[Column]:
    """`name:type` words; a type ending in `json` is stored as JSON text."""
    out: list[Column] = []
    for word in spec.split():
        name, kind = word.split(":")
        if "." in name:
            group, part = name.split(".")
            out.append((f"{group}_{part}", kind, _part(group, part)))
        elif kind == "json":
            out.append((name, "string", _json(name)))
        else:
            out.append((name, kind, _field(name)))
    return out


TABLES: dict[str, list[Column]] = {
    "traces": _columns(
        "id:string name:string start_time:string end_time:string latency_ms:float "
        "user_id:string session_id:string environment:string release:string version:string "
        "status:string status_message:string tags:json metadata:json input:json output:json "
        "usage.input_tokens:int usage.output_tokens:int total_tokens:int cost:float models:json "
        "observation_count:int error_count:int public:bool bookmarked:bool"
    ),
    "observations": _columns(
        "trace_id:string id:string parent_id:string type:string name:string "
        "start_time:string end_time:string completion_start_time:string latency_ms:float "
        "time_to_first_token_ms:float model:string provider:string model_parameters:json "
        "input:json output:json usage.input_tokens:int usage.output_tokens:int "
        "usage.total_tokens:int usage.cache_read_tokens:int usage.cache_write_tokens:int "
        "usage.reasoning_tokens:int cost.input:float cost.output:float cost.total:float "
        "level:string status_message:string metadata:json prompt_name:string "
        "prompt_version:int environment:string version:string"
    ),
    "scores": _columns(
        "id:string trace_id:string observation_id:string session_id:string name:string "
        "numeric_value:float string_value:string data_type:string source:string "
        "comment:string metadata:json environment:string timestamp:string"
    ),
}


def rows(table: str, traces: Iterable[Row]) -> Iterator[Row]:
    """The rows of `table` for exported traces (observations and scores need full traces)."""
    columns = TABLES[table]
    for trace in traces:
        items = [trace] if table == "traces" else trace.get(table) or []
        for item in items:
            yield {name: get(item) for name, _, get in columns}


def write_csv(stream: IO[str], table: str, data: Iterable[Row]) -> int:
    writer = csv.DictWriter(stream, fieldnames=[name for name, _, _ in TABLES[table]])
    writer.writeheader()
    count = 0
    for row in data:
        writer.writerow(row)
        count += 1
    return count


def write_parquet(path: Path, table: str, data: Iterable[Row], batch: int = 1000) -> int:
    """Stream rows into a Parquet file with the table's typed schema (needs pyarrow)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise click.ClickException(
            "Parquet needs pyarrow: pip install 'tracehouse[parquet]'."
        ) from exc
    types = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    schema = pa.schema([(name, types[kind]) for name, kind, _ in TABLES[table]])
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        chunk: list[Row] = []
        for row in data:
            chunk.append(row)
            count += 1
            if len(chunk) >= batch:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                chunk = []
        if chunk or count == 0:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
    return count
