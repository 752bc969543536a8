"""Datasets and experiments pages over the real app on SQLite and PostgreSQL: create a dataset,
add, edit, archive and import items, copy one from a trace, read past versions, see a run and
compare two runs. What the pages write is read back through the API."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_pages import _project_id

pytestmark = pytest.mark.anyio


async def _logged_in(th: Harness) -> tuple[str, str]:
    """Log in; the project id and a CSRF token."""
    await log_in(th.client)
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{project_id}/datasets")
    assert page.status_code == 200
    return project_id, csrf_of(page.text)


async def _items(th: Harness, name: str, **params: str) -> list[dict[str, object]]:
    response = await th.client.get(f"/api/v1/datasets/{name}/items", params=params, headers=th.auth)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def test_a_dataset_is_created_and_filled_from_the_pages(th: Harness) -> None:
    project_id, token = await _logged_in(th)
    base = f"/ui/p/{project_id}/datasets"
    empty = await th.client.get(base)
    assert "No datasets yet" in empty.text and "Add to dataset" in empty.text
    forged = await th.client.post(base, data={"name": "qa/capitals"})
    assert forged.status_code == 403
    created = await th.client.post(
        base, data={"name": "qa/capitals", "description": "capitals", "csrf_token": token}
    )
    assert created.status_code == 303
    assert created.headers["location"] == f"{base}/qa/capitals"
    twice = await th.client.post(base, data={"name": "qa/capitals", "csrf_token": token})
    assert twice.status_code == 409 and "already exists" in twice.text
    page = await th.client.get(f"{base}/qa/capitals")
    assert "No items yet" in page.text and "sdk.run_experiment" in page.text

    added = await th.client.post(
        f"{base}/qa/capitals/items",
        data={"input": '{"country": "Italy"}', "expected_output": "Rome", "csrf_token": token},
    )
    assert added.status_code == 303
    item_id = added.headers["location"].rsplit("/", 1)[1]
    lines = '{"id": "es", "input": {"country": "Spain"}, "expected_output": "Madrid"}\n'
    lines += '{"id": "fr", "input": {"country": "France"}, "expected_output": "Paris"}'
    imported = await th.client.post(
        f"{base}/qa/capitals/items/import",
        data={"format": "jsonl", "content": lines, "csrf_token": token},
    )
    assert imported.status_code == 303
    csv = "id,input,expected_output\nde,Germany,Berlin\n"
    as_csv = await th.client.post(
        f"{base}/qa/capitals/items/import",
        data={"format": "csv", "content": csv, "csrf_token": token},
    )
    assert as_csv.status_code == 303
    bad = await th.client.post(
        f"{base}/qa/capitals/items/import",
        data={"format": "jsonl", "content": '{"input": 1}\nnot json', "csrf_token": token},
    )
    assert bad.status_code == 422 and "not valid JSON" in bad.text
    items = {i["id"]: i for i in await _items(th, "qa/capitals")}
    assert items[item_id]["input"] == {"country": "Italy"}
    assert items[item_id]["expected_output"] == "Rome"
    assert items["de"]["input"] == "Germany" and items["fr"]["expected_output"] == "Paris"
    many = "\n".join(f'{{"id": "n{i}", "input": {i}}}' for i in range(50))
    await th.client.post(
        f"{base}/qa/capitals/items/import",
        data={"format": "jsonl", "content": many, "csrf_token": token},
    )
    first = await th.client.get(f"{base}/qa/capitals?archived=1")
    assert first.text.count("<tr data-href=") == 50
    assert 'href="?archived=1&amp;offset=50">Next items' in first.text
    second = await th.client.get(f"{base}/qa/capitals?archived=1&offset=50")
    assert second.text.count("<tr data-href=") == 4 and "Next items" not in second.text
    listing = await th.client.get(base)
    assert f'href="{base}/qa/capitals"' in listing.text
    assert re.search(r'<td class="num">54</td>', listing.text)


async def test_an_item_is_edited_archived_and_read_as_it_was(th: Harness) -> None:
    project_id, token = await _logged_in(th)
    base = f"/ui/p/{project_id}/datasets/capitals"
    await th.client.post(
        f"/ui/p/{project_id}/datasets", data={"name": "capitals", "csrf_token": token}
    )
    await th.client.post(
        f"{base}/items",
        data={"id": "it", "input": '{"country": "Italy"}', "expected_output": "Roma",
              "csrf_token": token},
    )  # fmt: skip
    before = (await _items(th, "capitals"))[0]["valid_from"]
    item_page = await th.client.get(f"{base}/items/it")
    assert item_page.status_code == 200
    assert "&#34;country&#34;: &#34;Italy&#34;" in item_page.text  # the edit box's JSON
    edited = await th.client.post(
        f"{base}/items",
        data={"id": "it", "edit": "1", "input": '{"country": "Italy"}', "expected_output": "Rome",
              "metadata": "", "csrf_token": token},
    )  # fmt: skip
    assert edited.status_code == 303 and edited.headers["location"] == f"{base}/items/it"
    assert (await _items(th, "capitals"))[0]["expected_output"] == "Rome"
    history = await th.client.get(f"{base}/items/it")
    assert history.text.count('<td class="mono nowrap">now</td>') == 1
    assert "Roma" in history.text and "Versions</dt><dd>2" in history.text
    # The dataset as of the first version still has the old expected output.
    old = await th.client.get(f"{base}", params={"as_of": before})
    assert old.status_code == 200 and ">Roma<" in old.text and ">Rome<" not in old.text
    archived = await th.client.post(
        f"{base}/items/status", data={"id": "it", "status": "ARCHIVED", "csrf_token": token}
    )
    assert archived.status_code == 303
    assert await _items(th, "capitals") == []
    shown = await th.client.get(f"{base}?archived=1")
    assert 'class="archived"' in shown.text and "Make active" not in shown.text
    assert "Make active again" in (await th.client.get(f"{base}/items/it")).text
    bad_time = await th.client.get(f"{base}?as_of=yesterday")
    assert bad_time.status_code == 400 and "Unreadable time" in bad_time.text


async def test_the_trace_page_adds_a_trace_or_an_observation_to_a_dataset(th: Harness) -> None:
    trace = {
        "id": "prod-1",
        "input": {"question": "refund?"},
        "output": "Refunds take 5 days.",
        "observations": [{"id": "prod-1-llm", "type": "generation", "input": "q", "output": "a"}],
    }
    assert (await th.client.post("/api/v1/traces", json=trace, headers=th.auth)).is_success
    project_id, token = await _logged_in(th)
    trace_url = f"/ui/p/{project_id}/traces/prod-1"
    before = await th.client.get(trace_url)
    assert "create a dataset" in before.text
    await th.client.post(
        f"/ui/p/{project_id}/datasets", data={"name": "support", "csrf_token": token}
    )
    page = await th.client.get(trace_url)
    assert f'action="{trace_url}/add-to-dataset"' in page.text
    assert "<option>support</option>" in page.text
    added = await th.client.post(
        f"{trace_url}/add-to-dataset", data={"dataset": "support", "csrf_token": token}
    )
    assert added.status_code == 303
    landed = await th.client.get(added.headers["location"])
    assert "Added to" in landed.text and 'href="/ui/p/' in landed.text
    detail = await th.client.get(f"{trace_url}/observations/prod-1-llm")
    assert 'name="observation_id" value="prod-1-llm"' in detail.text
    await th.client.post(
        f"{trace_url}/add-to-dataset",
        data={"dataset": "support", "observation_id": "prod-1-llm", "csrf_token": token},
    )
    items = await _items(th, "support")
    assert [(i["source_trace_id"], i["source_observation_id"]) for i in items] == [
        ("prod-1", None),
        ("prod-1", "prod-1-llm"),
    ]
    assert items[0]["input"] == {"question": "refund?"}
    assert items[0]["expected_output"] == "Refunds take 5 days."
    missing = await th.client.post(
        f"{trace_url}/add-to-dataset", data={"dataset": "nope", "csrf_token": token}
    )
    assert missing.status_code == 404


async def _two_runs(th: Harness) -> None:
    api = "/api/v1/datasets"
    await th.client.post(api, json={"name": "geo"}, headers=th.auth)
    items = [
        {"id": "it", "input": "Italy", "expected_output": "Rome"},
        {"id": "es", "input": "Spain", "expected_output": "Madrid"},
    ]
    await th.client.post(f"{api}/geo/items", json=items, headers=th.auth)
    answers = {"base": {"it": "Rome", "es": "Madrid"}, "new": {"it": "Rome", "es": "Paris"}}
    for run, by_item in answers.items():
        await th.client.post(f"{api}/geo/runs", json={"name": run}, headers=th.auth)
        for item_id, answer in by_item.items():
            trace_id = f"{run}-{item_id}"
            trace = {"id": trace_id, "input": item_id, "output": answer, "start_time":
                     "2026-12-01T10:00:00Z", "end_time": "2026-12-01T10:00:01Z"}  # fmt: skip
            await th.client.post("/api/v1/traces", json=trace, headers=th.auth)
            score = {"trace_id": trace_id, "name": "exact", "value": answer in ("Rome", "Madrid")}
            await th.client.post("/api/v1/scores", json=score, headers=th.auth)
            link = {"dataset_item_id": item_id, "trace_id": trace_id}
            response = await th.client.post(
                f"{api}/geo/runs/{run}/items", json=link, headers=th.auth
            )
            assert response.status_code == 201, response.text


async def test_a_run_and_a_comparison_of_two_runs(th: Harness) -> None:
    project_id, token = await _logged_in(th)
    empty = await th.client.get(f"/ui/p/{project_id}/experiments")
    assert "No experiments yet" in empty.text and "create one" in empty.text
    await _two_runs(th)
    listing = await th.client.get(f"/ui/p/{project_id}/experiments")
    base = f"/ui/p/{project_id}/datasets/geo"
    assert f'href="{base}/runs?run=new"' in listing.text
    assert '<span class="chip">exact 0.5</span>' in listing.text
    dataset = await th.client.get(base)
    assert '<span class="chip">exact 0.5</span>' in dataset.text  # run "new"
    assert '<span class="chip">exact 1</span>' in dataset.text  # run "base"
    run = await th.client.get(f"{base}/runs?run=new")
    assert run.status_code == 200
    assert "Paris" in run.text and "1.00 s" in run.text and "exact" in run.text
    # The newer run first in the address: the older one is still the baseline.
    compared = await th.client.get(f"{base}/runs/compare?run=new&run=base")
    assert compared.status_code == 200
    assert "1 of 2 items" in compared.text
    assert re.search(r"<th>base <span class=\"badge\">baseline</span>", compared.text)
    regressed = re.findall(r'<tr class="regressed" data-item="([^"]+)"', compared.text)
    assert regressed == ["es"]
    assert '<span class="delta worse">\N{MINUS SIGN}1</span>' in compared.text  # es: 1 → 0
    assert (
        '<span class="delta worse">\N{MINUS SIGN}0.5</span>' in compared.text
    )  # the aggregate row
    only = await th.client.get(f"{base}/runs/compare?run=base&run=new&only=regressions")
    assert 'data-item="it"' not in only.text and 'data-item="es"' in only.text
    one = await th.client.get(f"{base}/runs/compare?run=base")
    assert one.status_code == 400
    unknown = await th.client.get(f"{base}/runs/compare?run=base&run=nope")
    assert unknown.status_code == 404
    deleted = await th.client.post(f"{base}/runs/delete", data={"run": "new", "csrf_token": token})
    assert deleted.status_code == 303
    runs = await th.client.get("/api/v1/datasets/geo/runs", headers=th.auth)
    assert [r["name"] for r in runs.json()["data"]] == ["base"]
    gone = await th.client.post(f"{base}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    assert (await th.client.get("/api/v1/datasets/geo", headers=th.auth)).status_code == 404


async def test_a_read_only_scope_sees_no_forms_and_cannot_write(th: Harness) -> None:
    """Viewers: the pages hide every form and the services refuse the writes (403)."""
    project_id, token = await _logged_in(th)
    await _two_runs(th)
    await th.client.post(
        f"/ui/p/{project_id}/datasets", data={"name": "viewer-test", "csrf_token": token}
    )
    prompt = {"name": "greet", "prompt": "Hello {{name}}."}
    assert (await th.client.post("/api/v1/prompts", json=prompt, headers=th.auth)).is_success
    await set_role(th, "viewer")
    base = f"/ui/p/{project_id}/datasets"
    pages = [base, f"{base}/geo", f"{base}/geo/items/it", f"{base}/geo/runs?run=base"]
    others = [f"/ui/p/{project_id}/traces/base-it", f"/ui/p/{project_id}/prompts/greet"]
    for url in [*pages, *others]:
        page = await th.client.get(url)
        assert page.status_code == 200, url
        # Only "Log out" posts, and the comment form: viewers may comment (docs/collaboration.md).
        posts = re.findall(r'method="post" action="(/ui/p/[^"]*)"', page.text)
        assert [p for p in posts if not p.endswith("/comments")] == [], url
    writes = [
        (base, {"name": "x"}),
        (f"{base}/geo/items", {"input": "x"}),
        (f"{base}/geo/items/status", {"id": "it", "status": "ARCHIVED"}),
        (f"{base}/geo/runs/delete", {"run": "base"}),
        (f"{base}/geo/delete", {}),
        (f"/ui/p/{project_id}/traces/base-it/add-to-dataset", {"dataset": "geo"}),
    ]
    for url, data in writes:
        refused = await th.client.post(url, data={**data, "csrf_token": token})
        assert refused.status_code == 403, url
    assert len(await _items(th, "geo")) == 2
    # The API answers a viewer's login token the same way.
    token_auth = {**(await th.admin_token()), "X-Project-ID": project_id}
    read = await th.client.get("/api/v1/datasets", headers=token_auth)
    assert read.status_code == 200
    write = await th.client.post("/api/v1/datasets", json={"name": "y"}, headers=token_auth)
    assert write.status_code == 403 and "Read-only" in write.text


async def set_role(th: Harness, role: str) -> None:
    """Give the logged-in admin another role in its organization (and no server admin right)."""
    from sqlalchemy import update

    from tracehouse.store.tables import memberships, users

    runtime = th.app.state.runtime
    with runtime.db.writer.begin() as conn:
        conn.execute(update(users).values(is_admin=False))
        conn.execute(update(memberships).values(role=role))
