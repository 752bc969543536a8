"""One process owns a chDB directory: `serve --workers N` refuses a chdb:// URL."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tracehouse.cli.main import main


def test_several_workers_are_refused_with_chdb(tmp_path: Path) -> None:
    env = {
        "TRACEHOUSE_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/unused",
        "TRACEHOUSE_CLICKHOUSE_URL": f"chdb://{tmp_path / 'ch'}",
    }
    result = CliRunner().invoke(main, ["serve", "--workers", "2"], env=env)
    assert result.exit_code == 2
    assert "cannot share chDB" in result.output
    assert not (tmp_path / "ch").exists()
