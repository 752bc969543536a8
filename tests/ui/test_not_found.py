"""Unknown addresses under /ui/ answer an HTML page in the UI's layout; API paths keep JSON."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.ui.conftest import log_in

pytestmark = pytest.mark.anyio


async def test_an_unknown_page_is_an_html_404_in_the_layout(th: Harness) -> None:
    await log_in(th.client)
    for path in ("/ui/nope", "/ui/nope/deeper", "/ui/p/x/nothing"):
        response = await th.client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "X-Request-ID" in response.headers
        assert "<h1>404 · not found</h1>" in response.text
        assert 'action="/ui/logout"' in response.text  # the layout's header: the viewer is known


async def test_logged_out_the_404_page_has_no_header(th: Harness) -> None:
    response = await th.client.get("/ui/nope")
    assert response.status_code == 404
    assert "<h1>404 · not found</h1>" in response.text
    assert 'action="/ui/logout"' not in response.text


async def test_a_wrong_method_on_a_page_is_an_html_405(th: Harness) -> None:
    response = await th.client.delete("/ui/login")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>405 · method not allowed</h1>" in response.text
    assert "allow" in response.headers


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/public/nope", "/nope", "/uix"])
async def test_api_paths_keep_the_json_envelope(th: Harness, path: str) -> None:
    response = await th.client.get(path, headers=th.auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
