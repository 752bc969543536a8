"""Score writes outside the ingest path on ClickHouse: deleting one score."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracehouse.store.clickhouse.schema import latest

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_WHERE = "project_rowid = {project:Int64} AND id = {id:String}"


def delete_score(ch: ClickHouse, project_rowid: int, score_id: str) -> int:
    """Delete the score (every version of it): 1, or 0 when the project has no such score."""
    params = {"project": project_rowid, "id": score_id}
    found = ch.value(f"SELECT count() FROM ({latest(ch.layout, 'scores', _WHERE)})", params)
    if not found:
        return 0
    layout = ch.layout
    ch.command(f"DELETE FROM {layout.local('scores')}{layout.on_cluster} WHERE {_WHERE}", params)
    return 1
