"""The OpenTelemetry VCS and CI/CD attributes a trace's root span or resource may carry, and
the trace metadata they become (the names the SDK's git and CI capture uses)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# OpenTelemetry VCS and CI/CD attributes (semantic conventions 1.29+; on the resource or on
# the root span, the span's winning), copied into the trace's metadata under their current
# names, as the SDK's git and CI capture leaves them (the trace filters `repository`, `branch`
# and `commit`, the versions and the CI runs read them there).
VCS_REPOSITORY = "vcs.repository.url.full"
VCS_REVISION = "vcs.ref.head.revision"
VCS_BRANCH = "vcs.ref.head.name"
_VCS_CURRENT = (
    VCS_REPOSITORY,
    "vcs.repository.name",
    VCS_REVISION,
    VCS_BRANCH,
    "vcs.ref.head.type",
    "vcs.ref.base.name",
    "vcs.ref.base.revision",
    "vcs.change.id",
    "vcs.change.title",
    "vcs.change.state",
    "vcs.owner.name",
    "vcs.provider.name",
    "cicd.pipeline.name",
    "cicd.pipeline.run.id",
    "cicd.pipeline.run.url.full",
    "cicd.pipeline.task.name",
    "cicd.pipeline.task.run.id",
    "cicd.pipeline.task.run.url.full",
    "cicd.pipeline.task.type",
    "cicd.worker.name",
    "tracehouse.ci_run_id",  # the Tracehouse CI run (`tracehouse ci start`), as the SDK sets it
)
#: attribute -> metadata key: the current names, and the older ones (semantic conventions
#: before 1.29, `vcs.repository.ref.*`, `vcs.repository.change.*`) under their new names.
VCS_KEYS: dict[str, str] = {
    "vcs.repository.ref.revision": VCS_REVISION,
    "vcs.repository.ref.name": VCS_BRANCH,
    "vcs.repository.ref.type": "vcs.ref.head.type",
    "vcs.repository.change.id": "vcs.change.id",
    "vcs.repository.change.title": "vcs.change.title",
    **{key: key for key in _VCS_CURRENT},
}


def vcs_metadata(resource: Mapping[str, Any], attributes: Mapping[str, Any]) -> dict[str, str]:
    """The VCS and CI/CD attributes of a root span and its resource (`VCS_KEYS`), as
    text under their current names; a repository URL without credentials."""
    found: dict[str, str] = {}
    for source in (resource, attributes):  # the span's win
        for key, name in VCS_KEYS.items():
            value = source.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)  # a run or change id sent as a number
            if (text := _text(value)) is not None:
                found[name] = text[:1000]
    if VCS_REPOSITORY in found:
        found[VCS_REPOSITORY] = _without_credentials(found[VCS_REPOSITORY])
    return found


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
