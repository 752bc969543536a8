"""The comments sections of the session page, the prompt page (the version shown) and the
observation pane: their forms post to one route that names the target."""

from __future__ import annotations

import pytest
from tests.collab.conftest import ADMIN_EMAIL, member, seed_trace, token_of
from tests.conftest import ADMIN_PASSWORD, Harness
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


async def _comment(th: Harness, page_href: str, body: str) -> str:
    """Post `body` through the page's comment form; the page as it then reads."""
    page = await th.client.get(page_href)
    assert page.status_code == 200 and 'id="comments"' in page.text, page.text[:500]
    assert "data-mentions=" in page.text
    fields = dict(_hidden(page.text))
    posted = await th.client.post(
        f"/ui/p/{await _project_id(th)}/comments",
        data={**fields, "csrf_token": csrf_of(page.text), "body": body},
    )
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    assert location.startswith(fields["back"]), location
    return (await th.client.get(page_href)).text


def _hidden(html: str) -> list[tuple[str, str]]:
    """The target fields of the page's comment form."""
    form = html[html.index('class="comment-form"') :]
    form = form[: form.index("</form>")]
    names = ("target_type", "target_id", "back")
    found = []
    for name in names:
        start = form.index(f'name="{name}" value="') + len(f'name="{name}" value="')
        found.append((name, form[start : form.index('"', start)].replace("&amp;", "&")))
    return found


async def test_session_prompt_and_observation_forms_add_comments(th: Harness) -> None:
    await seed_trace(th)
    ann = await member(th, "ann@example.com")
    response = await th.client.post(
        "/api/v1/prompts", json={"name": "greet", "prompt": "Hi {{name}}"}, headers=th.auth
    )
    assert response.status_code == 201, response.text
    await log_in(th.client)
    project_id = await _project_id(th)
    base = f"/ui/p/{project_id}"
    hrefs = {
        "session": f"{base}/sessions/s-1",
        "prompt_version": f"{base}/prompts/greet?version=1",
        "observation": f"{base}/traces/t-1/observations/o-1",
    }
    for kind, href in hrefs.items():
        text = await _comment(th, href, f"**{kind}** note for @ann@example.com")
        assert f"<strong>{kind}</strong> note" in text, text[-2000:]
        assert "ann@example.com" in text[text.index('id="comments"') :]
    inbox = (await th.client.get("/api/v1/notifications", headers=ann)).json()
    assert inbox["meta"]["unread_count"] == 3  # each mention reached Ann
    session = await th.client.get(hrefs["session"])
    assert 'id="assign-form"' in session.text  # the admin can edit
    assigned = await th.client.post(
        f"{base}/assign",
        data={
            **dict(_hidden(session.text)),
            "csrf_token": csrf_of(session.text),
            "assignee": "ann@example.com",
        },
    )
    assert assigned.status_code == 303, assigned.text


@pytest.mark.parametrize(
    "given",
    [
        pytest.param({"target_type": "nothing", "target_id": "s-1"}, id="bad-type"),
        pytest.param({"target_type": "session", "target_id": ""}, id="no-id"),
        pytest.param({"target_type": "session", "target_id": "x" * 301}, id="long-id"),
    ],
)
async def test_bad_target_is_refused(th: Harness, given: dict[str, str]) -> None:
    await seed_trace(th)
    await log_in(th.client)
    base = f"/ui/p/{await _project_id(th)}"
    page = await th.client.get(f"{base}/sessions/s-1")
    posted = await th.client.post(
        f"{base}/comments",
        data={**given, "back": "/elsewhere", "csrf_token": csrf_of(page.text), "body": "hi"},
    )
    assert posted.status_code == 400, posted.text
    assert "Comment not saved" in posted.text
    listed = await th.client.get(
        "/api/v1/comments",
        params={"target_type": "session", "target_id": "s-1"},
        headers=await _person(th),
    )
    assert listed.json()["data"] == []


async def _person(th: Harness) -> dict[str, str]:
    return await token_of(th, ADMIN_EMAIL, ADMIN_PASSWORD)


async def test_other_projects_session_and_outside_back(th: Harness) -> None:
    await seed_trace(th)
    _, other_key = await th.new_project("other")
    await seed_trace(th, {"id": "t-x", "sessionId": "s-other"}, other_key)
    await log_in(th.client)
    base = f"/ui/p/{await _project_id(th)}"
    page = await th.client.get(f"{base}/sessions/s-1")
    csrf = csrf_of(page.text)
    elsewhere = await th.client.post(
        f"{base}/comments",
        data={"target_type": "session", "target_id": "s-other", "body": "hi", "csrf_token": csrf},
    )
    assert elsewhere.status_code == 404, elsewhere.text
    admin = await _person(th)
    listed = await th.client.get(
        "/api/v1/comments",
        params={"target_type": "session", "target_id": "s-other"},
        headers=admin,
    )
    assert listed.json()["data"] == []
    outside = await th.client.post(
        f"{base}/comments",
        data={
            "target_type": "session",
            "target_id": "s-1",
            "body": "hi",
            "back": "https://evil.example/",
            "csrf_token": csrf,
        },
    )
    assert outside.status_code == 303
    assert outside.headers["location"] == f"{base}/traces#comments"


async def test_a_viewer_comments_on_a_session_but_cannot_assign(th: Harness) -> None:
    await seed_trace(th)
    await member(th, "vic@example.com", role="viewer")
    await log_in(th.client, "vic@example.com", "longenough")
    href = f"/ui/p/{await _project_id(th)}/sessions/s-1"
    text = await _comment(th, href, "Looks fine to me")
    assert "Looks fine to me" in text
    assert 'id="assign-form"' not in text


async def test_authors_edit_and_delete_their_comments_in_the_page(th: Harness) -> None:
    await seed_trace(th)
    await member(th, "ann@example.com")
    await log_in(th.client)
    base = f"/ui/p/{await _project_id(th)}"
    page = await _comment(th, f"{base}/sessions/s-1", "first draft")
    comment_id = page.split('action="' + base + "/comments/", 1)[1].split("/edit", 1)[0]
    token = csrf_of(page)
    back = f"{base}/sessions/s-1"
    edited = await th.client.post(
        f"{base}/comments/{comment_id}/edit",
        data={"csrf_token": token, "body": "second **thought**", "back": back},
    )
    assert edited.status_code == 303 and edited.headers["location"].startswith(back)
    shown = (await th.client.get(back)).text
    assert "<strong>thought</strong>" in shown and "first draft" not in shown and "edited" in shown
    empty = await th.client.post(
        f"{base}/comments/{comment_id}/edit", data={"csrf_token": token, "body": " ", "back": back}
    )
    assert empty.status_code == 400
    th.client.cookies.clear()
    await log_in(th.client, "ann@example.com", "longenough")
    other = await th.client.get(back)
    assert f"/comments/{comment_id}/edit" not in other.text  # only the author sees the controls
    refused = await th.client.post(
        f"{base}/comments/{comment_id}/delete", data={"csrf_token": csrf_of(other.text)}
    )
    assert refused.status_code == 403
    th.client.cookies.clear()
    await log_in(th.client)
    fresh = csrf_of((await th.client.get(back)).text)
    deleted = await th.client.post(
        f"{base}/comments/{comment_id}/delete", data={"csrf_token": fresh, "back": back}
    )
    assert deleted.status_code == 303
    assert "second" not in (await th.client.get(back)).text
