"""The one auth dependency: API keys (Bearer, X-API-Key, Basic) and login tokens, resolved to a
project scope or a manager, with the per-key rate limit (read and write classes) applied, and
per-route caps on top. HTTP routes and the `/ws`
WebSocket authenticate through the same functions."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from tracehouse.audit import context as audit_context
from tracehouse.clock import now_us
from tracehouse.config import Settings
from tracehouse.errors import Forbidden, NotFound, RateLimited, Unauthorized
from tracehouse.keys import service as keys
from tracehouse.projects import roles
from tracehouse.projects import service as projects
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime, runtime
from tracehouse.usage import counter as usage_counter
from tracehouse.users import service as users

_TOUCH_EVERY_US = 60_000_000
#: Requests that only read: they never create the project X-Project-Name names.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: POST routes that only read (a query too rich for a URL): read-rate-limited, never shed as
#: writes, and they never create the project a header names.
READ_POSTS = frozenset({"/api/v1/search", "/api/v1/memory/search"})


def is_read(method: str, path: str) -> bool:
    """Whether a request only reads."""
    return method in _READ_METHODS or (method == "POST" and path.rstrip("/") in READ_POSTS)


@dataclass(frozen=True, slots=True)
class Credential:
    """What the request presented: a key secret (with the public key for Basic) or a token."""

    secret: str
    public_key: str | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: an API key or a logged-in user."""

    key: Any = None
    user: Any = None

    @property
    def rate_key(self) -> str:
        return f"key:{self.key['key_rowid']}" if self.key else f"user:{self.user['user_rowid']}"


@dataclass(frozen=True, slots=True)
class ProjectScope:
    """The project a data-plane request acts on, and what the caller may do there."""

    project_rowid: int
    project_id: str
    org_rowid: int
    access: str
    is_test: bool
    principal: Principal

    def require_write(self) -> None:
        if self.access == "read":
            raise Forbidden("Read-only access: this API key or role changes nothing.")


def credential(connection: HTTPConnection) -> Credential | None:
    """Extract the credential; X-API-Key wins over Authorization. A WebSocket may send it as
    `?key=` instead, which wins (browsers cannot set headers on one); HTTP requests may not,
    which keeps secrets out of request logs."""
    query_key = connection.query_params.get("key")
    if query_key and connection.scope["type"] == "websocket":
        return Credential(query_key.strip())
    api_key = connection.headers.get("x-api-key")
    if api_key:
        return Credential(api_key.strip())
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return Credential(value)
    if scheme.lower() == "basic" and value:
        try:
            public, _, secret = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("Malformed Basic credentials.") from exc
        if secret:
            return Credential(secret, public)
    return None


def client_address(connection: HTTPConnection) -> str:
    """The caller's address (the proxy's `X-Forwarded-For` when the server trusts it)."""
    return connection.client.host if connection.client else "unknown"


def authenticate(rt: Runtime, connection: HTTPConnection) -> Principal:
    """Who is calling (a request or a WebSocket); 401 when nobody valid is."""
    cred = credential(connection)
    if cred is None:
        raise Unauthorized(
            "Missing API key: send Authorization: Bearer <secret key>, X-API-Key, or Basic auth."
        )
    with rt.db.reader.connect() as conn:
        key = keys.authenticate(conn, cred.secret)
        if key is not None:
            if cred.public_key is not None and cred.public_key != key["public_key"]:
                raise Unauthorized("The public key does not match the secret key.")
            _touch(rt, key)
            audit_context.set_actor(key=key)
            return Principal(key=key)
        user = users.user_for_token(conn, cred.secret) if cred.public_key is None else None
    if user is None:
        raise Unauthorized("Invalid, revoked or expired API key or token.")
    audit_context.set_actor(user=user)
    return Principal(user=user)


def _touch(rt: Runtime, key: Any) -> None:
    now = now_us()
    if now - rt.key_touches.get(key["key_rowid"], 0) < _TOUCH_EVERY_US:
        return
    rt.key_touches[key["key_rowid"]] = now
    with rt.db.writer.begin() as conn:
        keys.touch(conn, key["key_rowid"])


def rate_class(request: Request) -> str:
    """`read` or `write`: the two classes of the per-key limit, each with its own bucket."""
    return "read" if is_read(request.method, request.url.path) else "write"


def _limit(rt: Runtime, request: Request, principal: Principal, plan: str) -> None:
    _limit_key(rt, request, principal.rate_key, plan)


def address_limit(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> None:
    """Dependency of the public (unauthenticated) routes: the default plan's limit, per client
    address (the proxy's `X-Forwarded-For` when the server trusts it, as uvicorn decides)."""
    address = request.client.host if request.client else "unknown"
    _limit_key(rt, request, f"ip:{address}", rt.settings.default_plan)


def _limit_key(rt: Runtime, request: Request, key: str, plan: str) -> None:
    if not rt.settings.rate_limit_enabled:
        return
    kind = rate_class(request)
    limits = rt.settings.read_rate_limits if kind == "read" else rt.settings.rate_limits
    per_minute, burst = limits.get(plan, limits["enterprise"])
    enforce_limit(rt, request, f"{key}:{kind}", per_minute, burst, f"{kind}s")


def enforce_limit(
    rt: Runtime, request: Request, bucket: str, per_minute: int, burst: int, what: str
) -> None:
    """Count this request in `bucket`; 429 + `Retry-After` when it is empty. The decision's
    headers go on the response either way."""
    decision = rt.limiter.hit(bucket, per_minute, burst)
    request.state.rate_headers = decision.headers()
    if not decision.allowed:
        raise RateLimited(
            f"Rate limit of {per_minute} {what} per minute exceeded; retry in "
            f"{decision.retry_after} s.",
            {"limit": per_minute, "retry_after": decision.retry_after},
            headers=decision.headers(),
        )


def project_scope(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> ProjectScope:
    """Data-plane dependency: the caller's project (from the key, or the project headers)."""
    principal = authenticate(rt, request)
    project = resolve_project(
        rt,
        principal,
        request.headers.get("x-project-id"),
        request.headers.get("x-project-name"),
        create=not is_read(request.method, request.url.path),
    )
    _limit(rt, request, principal, project["plan"])
    usage_counter.count(rt, project["project_rowid"])
    scope = scope_of(project, principal)
    if principal.user is not None and _read_only(rt, principal.user, project):
        return replace(scope, access="read")
    return scope


def scope_of(project: Any, principal: Principal) -> ProjectScope:
    """The scope of a principal acting on a project it may use."""
    key = principal.key
    return ProjectScope(
        project_rowid=project["project_rowid"],
        project_id=project["id"],
        org_rowid=project["org_rowid"],
        access=key["access"] if key else "write",
        is_test=bool(key and key["environment"] == "test"),
        principal=principal,
    )


def resolve_project(
    rt: Runtime,
    principal: Principal,
    project_id: str | None,
    project_name: str | None,
    *,
    create: bool = False,
) -> Any:
    """The project of a project key, else the one named by id (404 when not the principal's)
    or, for an organization key, by name (created when new if `create`, the request being a
    write; 404 otherwise); 401 when none is named."""
    key = principal.key
    if key is not None and key["project_rowid"] is not None:
        with rt.db.reader.connect() as conn:
            return project_store.find_project(conn, project_rowid=key["project_rowid"])
    if not project_id and not project_name:
        raise Unauthorized(
            "This credential is not bound to a project: send X-Project-ID or X-Project-Name."
        )
    if project_id:
        with rt.db.reader.connect() as conn:
            project = project_store.find_project(conn, project_id=project_id)
        if project is None or not _may_use_org(rt, principal, project["org_rowid"]):
            raise NotFound(f"No project {project_id!r}.")
        return project
    assert project_name is not None
    if key is None:
        raise Unauthorized("Login tokens name their project with X-Project-ID.")
    return _named_project(rt, key, project_name.strip(), create)


def _named_project(rt: Runtime, key: Any, name: str, create: bool) -> Any:
    """An organization key's project by name: reads never create one."""
    if create:
        with rt.db.writer.begin() as conn:
            return projects.ensure_project(conn, key["org_rowid"], name, rt.settings.default_plan)
    with rt.db.reader.connect() as conn:
        project = project_store.find_project(conn, org_rowid=key["org_rowid"], name=name)
    if project is None:
        raise NotFound(f"No project named {name!r}: a write with this X-Project-Name creates it.")
    return project


def _read_only(rt: Runtime, user: Any, project: Any) -> bool:
    """A person whose role in the project only reads (server admins never)."""
    with rt.db.reader.connect() as conn:
        return roles.of_user(conn, user, project) == "viewer"


def _may_use_org(rt: Runtime, principal: Principal, org_rowid: int) -> bool:
    if principal.key is not None:
        return bool(principal.key["org_rowid"] == org_rowid)
    user = principal.user
    if user["is_admin"]:
        return True
    with rt.db.reader.connect() as conn:
        return project_store.member_role(conn, org_rowid, user["user_rowid"]) is not None


@dataclass(frozen=True, slots=True)
class Manager:
    """A caller of the management endpoints: a user (by login token) or an org admin key."""

    principal: Principal

    def can_manage(self, rt: Runtime, org_rowid: int) -> bool:
        key, user = self.principal.key, self.principal.user
        if key is not None:
            return bool(key["org_rowid"] == org_rowid)
        if user["is_admin"]:
            return True
        with rt.db.reader.connect() as conn:
            role = project_store.member_role(conn, org_rowid, user["user_rowid"])
        return role in projects.ADMIN_ROLES

    def can_read(self, rt: Runtime, org_rowid: int) -> bool:
        """The org's own key, an instance admin, or a member of the org (any role)."""
        return _may_use_org(rt, self.principal, org_rowid)

    def can_manage_project(self, rt: Runtime, project: Any) -> bool:
        """An organization manager, or a person whose role in the project is admin."""
        if self.can_manage(rt, project["org_rowid"]):
            return True
        user = self.principal.user
        if user is None:
            return False
        with rt.db.reader.connect() as conn:
            return roles.of_user(conn, user, project) == "admin"

    def require_org(self, rt: Runtime, org_rowid: int) -> None:
        """404 for an org the caller may not manage (its existence is not revealed)."""
        if not self.can_manage(rt, org_rowid):
            raise NotFound("No such organization or project.")


def manager(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Manager:
    """Management dependency: a login token, or an org key with admin access."""
    principal = authenticate(rt, request)
    if principal.key is not None and principal.key["access"] != "admin":
        raise Forbidden("Management needs a login token or an organization admin key.")
    _limit(rt, request, principal, "enterprise")
    return Manager(principal)


ProjectScopeDep = Annotated[ProjectScope, Depends(project_scope)]
ManagerDep = Annotated[Manager, Depends(manager)]
RuntimeDep = Annotated[Runtime, Depends(runtime)]

#: A route's cap in calls per minute: a number, or read from the settings.
PerMinute = int | Callable[[Settings], int]


def ai_per_minute(settings: Settings) -> int:
    """The cap of each AI-backed route (its calls cost the operator money)."""
    return settings.ai_rate_limit_per_minute


def endpoint_limit(name: str, per_minute: PerMinute) -> Callable[..., ProjectScope]:
    """A dependency: the project scope, after counting this call against the caller's
    `name` cap (a bucket of its own, on top of the per-key read/write limit)."""

    def limited(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> ProjectScope:
        count_call(rt, request, scope, name, per_minute)
        return scope

    return limited


def count_call(
    rt: Runtime, request: Request, scope: ProjectScope, name: str, per_minute: PerMinute
) -> None:
    """Count one call against the caller's `name` cap (429 over it); pages that call an
    AI-backed service share the bucket of the API route."""
    if rt.settings.rate_limit_enabled:
        cap = per_minute(rt.settings) if callable(per_minute) else per_minute
        bucket = f"{scope.principal.rate_key}:{name}"
        enforce_limit(rt, request, bucket, cap, cap, f"{name} calls")
