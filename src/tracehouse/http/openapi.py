"""`GET /openapi.yaml`: the OpenAPI document of `/openapi.json`, as YAML."""

from __future__ import annotations

import yaml
from fastapi import APIRouter, Request, Response

router = APIRouter(include_in_schema=False)


@router.get("/openapi.yaml")
def openapi_yaml(request: Request) -> Response:
    document = request.app.openapi()
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return Response(text, media_type="application/yaml")
