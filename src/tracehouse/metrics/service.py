"""Keep the GenAI metric points of an OTLP export, and list them with filters."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import orjson
from sqlalchemy import ColumnElement

from tracehouse import jsontext
from tracehouse.clock import iso, now_us, to_us
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.masking import store as masking_store
from tracehouse.masking.engine import Masker
from tracehouse.metrics import store
from tracehouse.metrics.schemas import MetricFilters
from tracehouse.otlp.metrics import KEPT_PREFIX, MetricPoint
from tracehouse.runtime import Runtime
from tracehouse.store.tables import metric_points


def keep_points(
    rt: Runtime, scope: ProjectScope, points: list[MetricPoint], masker: Masker | None = None
) -> None:
    """Commit the points of one export (returns once they are durable), their attributes
    masked with the project's rules."""
    if not points:
        return
    masked: Counter[str] = Counter()
    if masker is not None:
        for point in points:
            point.attributes, counts = masker.mask_value(point.attributes)
            masked.update(counts)
    now = now_us()
    rows = [_row(point, scope, now) for point in points]
    with rt.db.writer.begin() as conn:
        store.write_points(conn, rows)
        if masked:
            masking_store.add_counts(conn, scope.project_rowid, masked)


def not_kept_message(skipped: dict[str, int]) -> str:
    """The partial-success message naming the metrics that were not kept."""
    names = sorted(skipped)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"only GenAI metrics ({KEPT_PREFIX}*) are kept; not kept: {shown}"


def _row(point: MetricPoint, scope: ProjectScope, now: int) -> dict[str, Any]:
    attributes = jsontext.dumps(point.attributes or None)
    return {
        "project_rowid": scope.project_rowid,
        "point_id": _point_id(point, attributes),
        "name": point.name[:200],
        "unit": (point.unit or None) and point.unit[:50],
        "kind": point.kind,
        "temporality": point.temporality,
        "start_time": point.start_time,
        "time": point.time,
        "service_name": (point.service_name or None) and point.service_name[:200],
        "attributes": attributes,
        "value": point.value,
        "value_count": point.count,
        "value_sum": point.sum,
        "value_min": point.min,
        "value_max": point.max,
        "bucket_counts": jsontext.dumps(point.bucket_counts),
        "explicit_bounds": jsontext.dumps(point.explicit_bounds),
        "is_test": scope.is_test,
        "created_at": now,
    }


def _point_id(point: MetricPoint, attributes: str | None) -> str:
    """The point's identity: the same series at the same times is the same point."""
    key = (point.name, point.kind, point.service_name, attributes, point.start_time, point.time)
    return hashlib.blake2b(orjson.dumps(key), digest_size=16).hexdigest()


def list_points(
    rt: Runtime, scope: ProjectScope, filters: MetricFilters, page: PageParams
) -> dict[str, Any]:
    """The project's metric points, newest first."""
    with rt.db.reader.connect() as conn:
        rows, total = store.list_points(conn, _conditions(scope, filters), page)
    return page_body(rows, page, total, _render, lambda r: (r["time"], r["metric_point_rowid"]))


def _conditions(scope: ProjectScope, filters: MetricFilters) -> list[ColumnElement[bool]]:
    p = metric_points.c
    out = [p.project_rowid == scope.project_rowid]
    if filters.name:
        out.append(p.name == filters.name)
    if filters.service_name:
        out.append(p.service_name == filters.service_name)
    if filters.from_time:
        out.append(p.time >= to_us(filters.from_time))
    if filters.to_time:
        out.append(p.time < to_us(filters.to_time))
    return out


def _render(row: Any) -> dict[str, Any]:
    return {
        "name": row["name"],
        "unit": row["unit"],
        "kind": row["kind"],
        "temporality": row["temporality"],
        "start_time": iso(row["start_time"]),
        "time": iso(row["time"]),
        "service_name": row["service_name"],
        "attributes": jsontext.loads(row["attributes"]) or {},
        "value": row["value"],
        "count": row["value_count"],
        "sum": row["value_sum"],
        "min": row["value_min"],
        "max": row["value_max"],
        "bucket_counts": jsontext.loads(row["bucket_counts"]),
        "explicit_bounds": jsontext.loads(row["explicit_bounds"]),
    }
