"""The checkpoints API on both databases: create, list, read with payload, restore, diff,
delete; files kept once by content hash; size limits; project isolation; bad input."""

from __future__ import annotations

import base64

import pytest
from tests.checkpoints.conftest import save, send_trace
from tests.conftest import Harness

from tracehouse.checkpoints.schemas import MAX_FILE_BYTES

pytestmark = pytest.mark.anyio

PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0xFF, 0x00, 0xFE])


async def test_create_read_and_restore(th: Harness) -> None:
    await send_trace(th)
    files = [
        {"path": "src/app.py", "content": "print('hi')\n"},
        {"path": "logo.png", "contentBase64": base64.b64encode(PNG).decode()},
    ]
    created = await save(th, name="plan", step=3, state={"todo": ["a", "b"]}, files=files)
    assert created.status_code == 201, created.text
    cp = created.json()
    assert cp["kind"] == "state" and cp["step"] == 3 and cp["file_count"] == 2
    plain = (await th.client.get(f"/api/v1/checkpoints/{cp['id']}", headers=th.auth)).json()
    assert "state" not in plain and "content" not in plain["files"][0]
    assert [f["path"] for f in plain["files"]] == ["logo.png", "src/app.py"]
    full = await th.client.get(
        f"/api/v1/checkpoints/{cp['id']}", params={"include": "payload"}, headers=th.auth
    )
    assert full.json()["state"] == {"todo": ["a", "b"]}
    back = await th.client.post(f"/api/v1/checkpoints/{cp['id']}/restore", headers=th.auth)
    assert back.status_code == 200, back.text
    restored = {f["path"]: f for f in back.json()["files"]}
    assert restored["src/app.py"]["content"] == "print('hi')\n"
    assert base64.b64decode(restored["logo.png"]["content_base64"]) == PNG
    assert back.json()["state"] == {"todo": ["a", "b"]}


async def test_same_file_in_many_checkpoints_is_stored_once(th: Harness) -> None:
    await send_trace(th)
    big = "x = 1\n" * 1000
    for step in range(20):
        files = [{"path": "lib.py", "content": big}, {"path": "step.txt", "content": str(step)}]
        assert (await save(th, kind="files", step=step, files=files)).status_code == 201
    stored = (await th.client.get("/api/v1/checkpoints/storage", headers=th.auth)).json()
    assert stored["distinct_files"] == 21  # lib.py once, and 20 different step.txt
    assert stored["stored_bytes"] == len(big) + sum(len(str(s)) for s in range(20))


async def test_thousand_files_with_990_unchanged_store_only_the_10_new(th: Harness) -> None:
    await send_trace(th)
    files = [{"path": f"src/m{i}.py", "content": f"value = {i}\n"} for i in range(1000)]
    assert (await save(th, kind="files", files=files)).status_code == 201
    for i in range(10):
        files[i] = {"path": f"src/m{i}.py", "content": f"value = {i} + 1\n"}
    second = await save(th, kind="files", files=files)
    assert second.status_code == 201 and second.json()["file_count"] == 1000
    stored = (await th.client.get("/api/v1/checkpoints/storage", headers=th.auth)).json()
    assert stored["distinct_files"] == 1010


async def test_list_per_trace_and_session_with_paging(th: Harness) -> None:
    await send_trace(th)
    await send_trace(th, "run-2")
    for step in range(5):
        await save(th, step=step, session_id="s-1", state={"n": step})
    await save(th, trace_id="run-2", state={})
    page = await th.client.get(
        "/api/v1/checkpoints", params={"trace_id": "run-1", "limit": 2}, headers=th.auth
    )
    body = page.json()
    assert [c["step"] for c in body["data"]] == [0, 1]
    assert body["meta"]["total_count"] == 5 and body["meta"]["has_more"]
    after = await th.client.get(
        "/api/v1/checkpoints",
        params={"trace_id": "run-1", "limit": 2, "cursor": body["meta"]["next_cursor"]},
        headers=th.auth,
    )
    assert [c["step"] for c in after.json()["data"]] == [2, 3]
    session = await th.client.get(
        "/api/v1/checkpoints", params={"session_id": "s-1"}, headers=th.auth
    )
    assert session.json()["meta"]["total_count"] == 5
    project = await th.client.get("/api/v1/checkpoints", headers=th.auth)
    assert project.json()["meta"]["total_count"] == 6


async def test_diff_state_and_files(th: Harness) -> None:
    await send_trace(th)
    a = await save(
        th,
        state={"plan": ["read", "edit"], "done": False, "gone": 1},
        files=[{"path": "a.py", "content": "one\ntwo\n"}, {"path": "old.txt", "content": "x"}],
    )
    b = await save(
        th,
        state={"plan": ["read", "edit", "test"], "done": True},
        files=[{"path": "a.py", "content": "one\n2\n"}, {"path": "new.txt", "content": "y"}],
    )
    first, second = a.json()["id"], b.json()["id"]
    got = await th.client.get(f"/api/v1/checkpoints/{first}/diff/{second}", headers=th.auth)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["state"] == [
        {"op": "replace", "path": "/done", "old_value": False, "value": True},
        {"op": "remove", "path": "/gone", "old_value": 1},
        {"op": "add", "path": "/plan/2", "value": "test"},
    ]
    files = {f["path"]: f for f in body["files"]}
    assert {p: f["status"] for p, f in files.items()} == {
        "a.py": "modified", "new.txt": "added", "old.txt": "removed",
    }  # fmt: skip
    assert "-two\n+2\n" in files["a.py"]["unified_diff"]
    assert files["a.py"]["unified_diff"].startswith("--- a/a.py\n+++ b/a.py\n")


async def test_delete_drops_unshared_bytes_only(th: Harness) -> None:
    await send_trace(th)
    shared = {"path": "shared.txt", "content": "same"}
    a = (await save(th, files=[shared, {"path": "only-a", "content": "A"}])).json()
    await save(th, files=[shared])
    gone = await th.client.delete(f"/api/v1/checkpoints/{a['id']}", headers=th.auth)
    assert gone.status_code == 204
    again = await th.client.get(f"/api/v1/checkpoints/{a['id']}", headers=th.auth)
    assert again.status_code == 404
    stored = (await th.client.get("/api/v1/checkpoints/storage", headers=th.auth)).json()
    assert stored == {"distinct_files": 1, "stored_bytes": 4}


async def test_limits_and_bad_input_write_nothing(th: Harness) -> None:
    await send_trace(th)
    huge = {"path": "big.bin", "content": "x" * (MAX_FILE_BYTES + 1)}
    too_big = await save(th, files=[huge])
    assert too_big.status_code == 413, too_big.text
    assert too_big.json()["error"]["code"] == "payload_too_large"
    unknown = await save(th, trace_id="no-such-trace", state={})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    both = await save(th, files=[{"path": "a", "content": "x", "contentBase64": "eA=="}])
    assert both.status_code == 422
    bad_b64 = await save(th, files=[{"path": "a", "contentBase64": "!!"}])
    assert bad_b64.status_code == 400
    bad_kind = await save(th, kind="no spaces allowed")
    assert bad_kind.status_code == 422
    twice = await save(th, files=[{"path": "a", "content": "1"}, {"path": "a", "content": "2"}])
    assert twice.status_code == 400
    control = await save(th, files=[{"path": "a\u0000", "content": "1"}])
    assert control.status_code == 422
    listed = await th.client.get("/api/v1/checkpoints", headers=th.auth)
    assert listed.json()["meta"]["total_count"] == 0


async def test_other_projects_see_nothing(th: Harness) -> None:
    await send_trace(th)
    cp = (await save(th, state={"secret": 1})).json()
    _, other = await th.new_project("other")
    got = await th.client.get(f"/api/v1/checkpoints/{cp['id']}", headers=other)
    assert got.status_code == 404
    listed = await th.client.get("/api/v1/checkpoints", headers=other)
    assert listed.json()["data"] == []
    # Nor can another project hang a checkpoint on this project's trace.
    assert (await save(th, auth=other, state={})).status_code == 404
