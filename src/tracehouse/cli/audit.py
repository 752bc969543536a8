"""`tracehouse audit verify`: check the audit log's hash chain on the server's database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from tracehouse.cli.database import database_options, transaction

if TYPE_CHECKING:
    from tracehouse.config import Settings


@click.group()
def audit() -> None:
    """The audit log (append-only, hash-chained)."""


@audit.command()
@database_options
def verify(settings: Settings) -> None:
    """Recompute every entry's hash from the one before it; exit 1 at the first entry that was
    edited, inserted or whose predecessor was removed."""
    from tracehouse.audit import service
    from tracehouse.clock import iso

    with transaction(settings) as conn:
        checked, broken = service.verify(conn)
    if broken is not None:
        click.echo(
            f"audit log chain BROKEN at entry {broken['id']} "
            f"({broken['action']}, {iso(broken['created_at'])}) after {checked} good entries",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"audit log chain verified: {checked} entries")
