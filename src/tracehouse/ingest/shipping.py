"""The one form the writer takes: a `Shipment`, prepared in another process (the OTLP workers)
or by the writer from any other batch (`shipment_of`).

A worker takes a batch as far as it can without the database: it folds it into changes,
computes the columns `merge.observation_row` derives for a *new* observation (type, level and
start-time defaults, token and reported-cost totals) and encodes every observation's JSON
columns to text (plain strings pickle and unpickle far faster than nested messages). The
writer then builds the row of a new observation with two dict updates and prices it with the
project's prices (the price table stays out of the workers: it would double their memory).
An observation that is already stored goes through the ordinary merge once its JSON columns
are decoded again: the result is the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tracehouse import jsontext
from tracehouse.ingest import merge
from tracehouse.records import Batch

_JSON_COLUMNS = ("metadata", "attributes", "model_parameters", "input", "output")


@dataclass(slots=True)
class Shipment:
    """A batch's changes with observation JSON columns encoded, and what new rows derive."""

    changes: merge.Changes
    #: observation id → the columns a new row derives (see the module docstring)
    derived: dict[str, dict[str, Any]]

    def __len__(self) -> int:
        return len(self.changes)


def ship(changes: merge.Changes, now: int) -> Shipment:
    """Prepare `changes` for the writer of another process."""
    derived: dict[str, dict[str, Any]] = {}
    for oid, values in changes.observations.items():
        derived[oid] = merge.derived(values, values, now)
        for column in _JSON_COLUMNS:
            if column in values:
                values[column] = jsontext.dumps(values[column])
    return Shipment(changes, derived)


def shipment_of(batch: Batch | merge.Changes | Shipment, now: int) -> Shipment:
    """Any batch as a shipment: records folded into changes, then shipped."""
    if isinstance(batch, Shipment):
        return batch
    return ship(batch if isinstance(batch, merge.Changes) else merge.changes_of(batch), now)


def new_observation_row(
    oid: str, values: dict[str, Any], derived: dict[str, Any], pricer: merge.Pricer
) -> dict[str, Any]:
    """What `merge.observation_row` returns for an observation that is not stored yet."""
    row = dict.fromkeys(merge.OBSERVATION_COLUMNS)
    row.update(values)
    row.update(derived)
    row["id"] = oid
    if row["model"]:
        row["computed_input_cost"], row["computed_output_cost"], row["computed_total_cost"] = (
            pricer(row)
        )
    return row


def decoded(values: dict[str, Any]) -> dict[str, Any]:
    """Observation changes with their encoded JSON columns decoded."""
    plain = dict(values)
    for column in _JSON_COLUMNS:
        if column in plain:
            plain[column] = orjson.loads(plain[column])
    return plain
