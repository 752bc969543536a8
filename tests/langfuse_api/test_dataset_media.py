"""Media in Langfuse dataset items: the item's `mediaReferences` name each media reference in its
input, expected output and metadata by JSONPath, with a signed URL to the bytes. Over HTTP on
SQLite and PostgreSQL (the JSON the SDK parses, media of other projects or not uploaded left out)
and with the real SDK against a real server (`get_dataset` hands back `LangfuseMediaReference`s
that fetch the original bytes)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langfuse import Langfuse
from langfuse.api import DatasetItem, PaginatedDatasetItems
from langfuse.api.core.pydantic_utilities import parse_obj_as
from langfuse.media import LangfuseMedia, LangfuseMediaReference
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PUBLIC_KEY,
    SECRET_KEY,
    Harness,
    LiveServer,
)
from tests.langfuse_api.test_public_api import BASIC
from tests.server import start_server


def _unsigned(value: Any) -> Any:
    """`value` without the signed `url` and `urlExpiry` of its media references."""
    if isinstance(value, dict):
        return {k: _unsigned(v) for k, v in value.items() if k not in ("url", "urlExpiry")}
    if isinstance(value, list):
        return [_unsigned(v) for v in value]
    return value


def _sha(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


def _ref(media_id: str, kind: str = "image/png") -> str:
    return f"@@@langfuseMedia:type={kind}|id={media_id}|source=bytes@@@"


async def _media(th: Harness, content: bytes, headers: Any = BASIC, upload: bool = True) -> str:
    ask = {
        "contentType": "image/png",
        "contentLength": len(content),
        "sha256Hash": _sha(content),
        "field": "input",
    }
    asked = await th.client.post("/api/public/media", json=ask, headers=headers)
    assert asked.status_code == 200, asked.text
    if upload:
        put = await th.client.put(
            asked.json()["uploadUrl"], content=content, headers={"Content-Type": "image/png"}
        )
        assert put.status_code == 200, put.text
    return str(asked.json()["mediaId"])


@pytest.mark.anyio
async def test_items_carry_media_references(th: Harness) -> None:
    image, nested, note = [await _media(th, f"m-{n}".encode()) for n in ("a", "b", "c")]
    pending = await _media(th, b"m-pending", upload=False)
    _, other = await th.new_project("elsewhere")
    theirs = await _media(th, b"m-theirs", headers=other)
    await th.client.post("/api/public/v2/datasets", json={"name": "vision"}, headers=BASIC)
    body = {
        "datasetName": "vision",
        "id": "item-1",
        "input": {
            "q": "look",
            "image": _ref(image),
            "grid": [[_ref(nested)], _ref(pending), _ref(theirs), _ref("noSuchMedia")],
            "7": _ref(image),  # jsonpath-plus would write this key as [7]: not addressable
            "caption": "see " + _ref(image),  # text around a reference: not a reference
        },
        "expectedOutput": _ref(image),
        "metadata": {"notes": [{"it's": _ref(note)}]},
    }
    created = await th.client.post("/api/public/dataset-items", json=body, headers=BASIC)
    assert created.status_code == 200, created.text
    got = await th.client.get("/api/public/dataset-items/item-1", headers=BASIC)
    listed = await th.client.get("/api/public/dataset-items?datasetName=vision", headers=BASIC)
    v1 = await th.client.get("/api/public/datasets/vision", headers=BASIC)
    item = parse_obj_as(DatasetItem, got.json())  # type: ignore[arg-type]
    parse_obj_as(PaginatedDatasetItems, listed.json())  # type: ignore[arg-type]
    # each answer signs its media URLs anew (the expiry counts seconds): compare the rest
    same = _unsigned(got.json())
    assert _unsigned(listed.json()["data"]) == [same] and _unsigned(v1.json()["items"]) == [same]
    assert _unsigned(created.json()) == same

    refs = [
        (r.field, r.json_path, r.reference_string, r.media.media_id) for r in item.media_references
    ]
    assert refs == [
        ("input", "$['image']", _ref(image), image),
        ("input", "$['grid'][0][0]", _ref(nested), nested),
        ("expectedOutput", "$", _ref(image), image),
        ("metadata", "$['notes'][0]['it's']", _ref(note), note),
    ]
    media = item.media_references[1].media
    assert (media.content_type, media.content_length) == ("image/png", len(b"m-b"))
    assert media.url_expiry and (await th.client.get(media.url)).content == b"m-b"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The SDK keeps one client per public key in a process: this server has its own key.
    keys = (f"{PUBLIC_KEY}-dataset-media", f"{SECRET_KEY}-dataset-media")
    env = {
        "TRACEHOUSE_INIT_PUBLIC_KEY": keys[0],
        "TRACEHOUSE_INIT_SECRET_KEY": keys[1],
        "TRACEHOUSE_INIT_USER_EMAIL": ADMIN_EMAIL,
        "TRACEHOUSE_INIT_USER_PASSWORD": ADMIN_PASSWORD,
    }
    data_dir: Path = tmp_path_factory.mktemp("dataset-media") / "data"
    process = start_server(data_dir, env=env)
    try:
        yield LiveServer(process.url, *keys)
    finally:
        process.stop()


def test_sdk_get_dataset_hydrates_media(server: LiveServer) -> None:
    client = Langfuse(
        public_key=server.public_key, secret_key=server.secret_key, base_url=server.url
    )
    made = {
        tag: LangfuseMedia(content_bytes=tag.encode(), content_type="image/png") for tag in "abcd"
    }
    client.create_dataset(name="sdk-media")
    created = client.create_dataset_item(
        dataset_name="sdk-media",
        input={"question": "compare", "image": made["a"], "matrix": [[made["b"]]]},
        expected_output={"reference": made["c"]},
        metadata={"thumbnail": made["d"]},
    )
    assert created.input["image"].startswith("@@@langfuseMedia:")
    item = client.get_dataset("sdk-media").items[0]
    resolved = {
        "a": item.input["image"],
        "b": item.input["matrix"][0][0],
        "c": item.expected_output["reference"],
        "d": item.metadata["thumbnail"],
    }
    for tag, reference in resolved.items():
        assert isinstance(reference, LangfuseMediaReference), tag
        assert reference.fetch_bytes() == tag.encode(), tag
    assert item.input["question"] == "compare"
    client.shutdown()
