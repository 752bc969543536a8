"""The dashboard's numbers for a time range, and their SVG geometry (no chart library)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from tracehouse.clock import from_us
from tracehouse.ui import store

RANGES = {"1h": 3_600, "24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
BUCKETS = 48
WIDTH, HEIGHT = 560, 140


@dataclass
class Series:
    """One chart: its values per bucket and the SVG it draws."""

    title: str
    values: list[float]
    total: str
    kind: str = "count"

    @property
    def peak(self) -> float:
        return max(self.values) if self.values else 0.0

    def bars(self) -> list[dict[str, float]]:
        top = self.peak or 1.0
        width = WIDTH / max(len(self.values), 1)
        return [
            {
                "x": round(i * width + 1, 2),
                "w": round(max(width - 2, 1), 2),
                "h": round(v / top * (HEIGHT - 20), 2),
                "y": round(HEIGHT - v / top * (HEIGHT - 20), 2),
                "v": v,
            }
            for i, v in enumerate(self.values)
        ]


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    rank = max(math.ceil(p / 100 * len(values)) - 1, 0)
    return values[rank]


def build(conn: Connection, project_rowid: int, now: int, range_name: str) -> dict[str, Any]:
    seconds = RANGES.get(range_name, RANGES["24h"])
    start = now - seconds * 1_000_000
    step = max(seconds * 1_000_000 // BUCKETS, 1)
    series = {k: [0.0] * BUCKETS for k in ("traces", "errors", "tokens", "cost")}
    for row in store.buckets(conn, project_rowid, start, now, step):
        index = min(int(row["bucket"]), BUCKETS - 1)
        for key in series:
            series[key][index] += float(row[key] or 0)
    lat = store.latencies(conn, project_rowid, start, now)
    charts = [
        Series("Traces", series["traces"], f"{int(sum(series['traces'])):,}"),
        Series("Errors", series["errors"], f"{int(sum(series['errors'])):,}", kind="errors"),
        Series("Tokens", series["tokens"], f"{int(sum(series['tokens'])):,}"),
        Series("Cost", series["cost"], f"${sum(series['cost']):.4f}"),
    ]
    models = store.by_model(conn, project_rowid, start, now)
    users = store.top_users(conn, project_rowid, start, now)
    return {
        "range": range_name if range_name in RANGES else "24h",
        "ranges": list(RANGES),
        "start": from_us(start),
        "charts": charts,
        "latency": {p: percentile(lat, p) for p in (50, 95, 99)},
        "latency_count": len(lat),
        "models": models,
        "model_peak": max((float(m["cost"]) for m in models), default=0.0) or 1.0,
        "users": users,
        "user_peak": max((int(u["traces"]) for u in users), default=0) or 1,
        "width": WIDTH,
        "height": HEIGHT,
    }
