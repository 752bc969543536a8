"""The NOTIFY payloads of a commit group: one per group, split only past PostgreSQL's limit."""

from __future__ import annotations

from tracehouse.live.events import MAX_PAYLOAD, Written, decode, encode


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
