"""The NOTIFY payloads of a commit group: one per group, split only past PostgreSQL's limit;
and a subscriber's queue: a group at a time, a stalled reader dropped."""

from __future__ import annotations

import pytest

from tracehouse.live.broker import MAX_BEHIND, Broker
from tracehouse.live.events import MAX_PAYLOAD, Written, continues, decode, encode


def test_a_group_is_one_payload_that_decodes_to_the_same_ids() -> None:
    written = [Written(1, ["a", "b"], ["c"]), Written(2, [], ["d"])]
    payloads = list(encode(written))
    assert len(payloads) == 1
    decoded = {w.project_rowid: (w.created, w.updated) for w in decode(payloads[0])}
    assert decoded == {1: (["a", "b"], ["c"]), 2: ([], ["d"])}


def test_many_ids_split_into_payloads_under_the_limit_and_none_is_lost() -> None:
    ids = [f'trace-{i:05d}-"é"-{"x" * 40}' for i in range(2_000)]
    payloads = list(encode([Written(7, ids, [])]))
    assert len(payloads) > 1
    assert all(len(p.encode()) <= MAX_PAYLOAD + 2 < 8_000 for p in payloads)
    assert [i for p in payloads for w in decode(p) for i in w.created] == ids


def test_a_split_group_is_flagged_until_its_last_payload() -> None:
    payloads = list(encode([Written(7, [f"trace-{i:05d}-{'x' * 40}" for i in range(500)])]))
    assert [continues(p) for p in payloads] == [True] * (len(payloads) - 1) + [False]


@pytest.mark.anyio
async def test_a_big_group_reaches_a_reader_and_a_stalled_reader_is_dropped() -> None:
    broker = Broker()
    reader, stalled = broker.subscribe(1), broker.subscribe(1)
    big = [f"t-{i}" for i in range(MAX_BEHIND + 500)]
    broker.deliver([Written(1, big)])
    events = await reader.get()
    assert events is not None and [e["trace_id"] for e in events] == big
    for _ in events:
        reader.sent()
    broker.deliver([Written(1, ["next"])])  # the reader kept up; the other never read
    assert await reader.get() == [{"type": "trace.created", "trace_id": "next"}]
    assert await stalled.get() is None  # its stream ends at once: what waited is let go
