"""Settings: every `TRACEHOUSE_*` environment variable, documented, validated at start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracehouse.keys.secrets import MIN_SECRET_LENGTH
from tracehouse.store.clickhouse import url as ch_url

#: Write requests per minute and burst size for each plan tier (seed 001).
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "free": (60, 10),
    "pro": (600, 100),
    "enterprise": (6000, 1000),
}

#: Read requests per minute and burst size for each plan tier: three times the writes (seed 002).
DEFAULT_READ_RATE_LIMITS: dict[str, tuple[int, int]] = {
    plan: (per_minute * 3, burst * 3) for plan, (per_minute, burst) in DEFAULT_RATE_LIMITS.items()
}


#: Monthly hard limits of each plan tier; None means unlimited.
DEFAULT_PLAN_LIMITS: dict[str, dict[str, int | None]] = {
    "free": {"traces": 50_000, "observations": 500_000, "api_requests": 100_000},
    "pro": {"traces": 1_000_000, "observations": 10_000_000, "api_requests": 2_000_000},
    "enterprise": {"traces": None, "observations": None, "api_requests": None},
}


log = logging.getLogger(__name__)


def is_interface(value: str | None) -> bool:
    """A bare listen address (`0.0.0.0`, `::`, `10.0.0.5`), not a URL nor `host:port`."""
    if not value or "://" in value:
        return False
    return "]:" not in value if value.startswith("[") else value.count(":") != 1


def known_plan(value: str) -> str:
    if value not in DEFAULT_RATE_LIMITS:
        raise ValueError(f"must be one of {', '.join(DEFAULT_RATE_LIMITS)}")
    return value


class Settings(BaseSettings):
    """Server configuration. Every field is read from `TRACEHOUSE_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="TRACEHOUSE_", extra="ignore")

    listen_host: str = Field(
        "127.0.0.1", description="Interface the server listens on (`serve --host`); 0.0.0.0: all."
    )
    host: str | None = Field(
        None,
        description="Not read by the server: the server URL for the SDK and the CLI "
        "(`TRACEHOUSE_BASE_URL` wins over it). Deprecated for the server: a bare interface here "
        "(no `://`, no port) is still the listen address when `TRACEHOUSE_LISTEN_HOST` is unset.",
    )
    port: int = Field(8000, description="Port the server listens on.")
    data_dir: Path = Field(
        Path("data"), description="Directory for the SQLite database and other local state."
    )
    media_dir: Path | None = Field(
        None,
        description="Directory for media files sent through Langfuse's media API (kept by "
        "content hash); default data_dir/media. Several server processes must share it.",
    )
    media_s3_bucket: str | None = Field(
        None,
        description="S3 (or S3-compatible) bucket for media files instead of media_dir; needs "
        "the `s3` extra. Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance or task role), never from Tracehouse.",
    )
    media_s3_prefix: str | None = Field(
        None,
        description="Key prefix (folder) for media objects in media_s3_bucket, e.g. "
        "`tracehouse/media`; default: none, objects at the top of the bucket.",
    )
    media_s3_endpoint_url: str | None = Field(
        None,
        description="Endpoint of an S3-compatible store (MinIO, Cloudflare R2, Ceph, "
        "Backblaze B2…); default: AWS S3.",
    )
    media_s3_region: str | None = Field(
        None, description="Region of media_s3_bucket; default: the AWS chain's (AWS_REGION…)."
    )
    media_url_seconds: int = Field(
        3600,
        ge=1,
        description="Lifetime of the signed upload and download URLs the media API hands out.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; `postgresql://…` for PostgreSQL. Default: SQLite in data_dir.",
    )
    public_url: str | None = Field(
        None, description="URL printed and shown to users; default http://listen_host:port."
    )
    clickhouse_url: str | None = Field(
        None,
        description="ClickHouse for traces, observations and scores (the relational database "
        "keeps the rest): `http(s)://user:password@host:8123/database` for a server or "
        "cluster, or `chdb:///path/to/dir` for ClickHouse embedded in the server process "
        "through chDB (one process owns the directory: no `serve --workers`). Needs the "
        "`clickhouse` extra. Default: none, everything in the relational database.",
    )
    clickhouse_cluster: str | None = Field(
        None,
        description="ClickHouse cluster name (from the servers' `remote_servers`): the tables "
        "are created ON CLUSTER as Replicated tables with Distributed tables in front, and "
        "inserts wait for a quorum of replicas. Needs an http(s) clickhouse_url.",
    )
    clickhouse_async_insert: bool = Field(
        False,
        description="Send ClickHouse inserts as asynchronous inserts, always with "
        "wait_for_async_insert=1: ingestion still answers only once ClickHouse has the rows.",
    )
    max_body_bytes: int = Field(
        20 * 1024 * 1024, description="Largest accepted request body (after decompression)."
    )
    default_plan: str = Field(
        "enterprise", description="Plan tier of new projects: free, pro or enterprise."
    )
    rate_limits: dict[str, tuple[int, int]] = Field(
        default_factory=lambda: dict(DEFAULT_RATE_LIMITS),
        description="Per plan, for write requests (POST, PUT, PATCH, DELETE) of a key or user: "
        '[requests per minute, burst], as JSON: {"free": [60, 10], …}.',
    )
    read_rate_limits: dict[str, tuple[int, int]] = Field(
        default_factory=lambda: dict(DEFAULT_READ_RATE_LIMITS),
        description="Per plan, for read requests (GET, HEAD) of a key or user, counted apart "
        'from writes: [requests per minute, burst], as JSON: {"free": [180, 30], …}.',
    )
    ai_rate_limit_per_minute: int = Field(
        10,
        ge=1,
        description="Calls per minute a key or user may make to each AI-backed route (root "
        "cause, executing an evaluator, replaying a fork), on top of the read/write limits.",
    )
    rate_limit_enabled: bool = Field(True, description="Enforce per-key rate limits.")
    write_queue_size: int = Field(
        20_000, description="Most records waiting to be written; past it ingestion answers 503."
    )
    write_batch_size: int = Field(
        5_000, description="Most records the writer commits in one transaction."
    )
    write_wait_budget_seconds: float = Field(
        0.75,
        gt=0,
        description="Longest a write may expect to wait for its answer (writes in flight times "
        "the measured interval between answers; records waiting times the measured commit "
        "time per record); past it the write is answered 503 + Retry-After at once. Admitted "
        "writes then wait up to about twice this: the default keeps their p99 under 2 s.",
    )
    otlp_workers: int = Field(
        1,
        ge=0,
        description="Processes that decode and map OTLP span exports beside the server "
        "process; 0 does it in the server process.",
    )
    sqlite_synchronous: str = Field(
        "FULL", description="SQLite `synchronous` pragma: FULL (durable at power loss) or NORMAL."
    )
    test_data_days: int = Field(5, description="Days data written with a test key is kept.")
    audit_retention_days: int | None = Field(
        None,
        ge=1,
        description="Days audit log entries are kept (the retention job drops older ones; "
        "`tracehouse audit verify` then starts from the oldest kept entry); unset keeps them "
        "forever.",
    )
    retention_interval_seconds: float = Field(
        3600.0, description="How often the retention job runs; 0 disables it."
    )
    login_token_hours: int = Field(24 * 7, description="Lifetime of a login token.")
    password_login: bool = Field(
        True,
        description="Whether people may log in with an e-mail and password (the form and "
        "`POST /api/v1/auth/login`); false leaves single sign-on only (`TRACEHOUSE_OIDC_*`).",
    )
    oidc_issuer: str | None = Field(
        None,
        description="Single sign-on: the OpenID Connect issuer URL (its "
        "`/.well-known/openid-configuration` is read); unset: no SSO.",
    )
    oidc_client_id: str | None = Field(None, description="The client id registered at the issuer.")
    oidc_client_secret: SecretStr | None = Field(
        None, description="The client secret (never logged nor shown)."
    )
    oidc_scopes: str = Field("openid email profile", description="Scopes asked for at login.")
    oidc_label: str = Field("single sign-on", description="Name of the provider on the login page.")
    oidc_allowed_domains: list[str] = Field(
        default_factory=list,
        description='E-mail domains allowed to log in with SSO, as JSON (`["example.com"]`); '
        "empty: any verified e-mail.",
    )
    oidc_organization: str | None = Field(
        None,
        description="Organization (name) that people joining through SSO are added to; default: "
        "the first organization.",
    )
    oidc_role_claim: str | None = Field(
        None,
        description="ID-token claim (a string or a list, e.g. `groups`) mapped to an "
        "organization role through `TRACEHOUSE_OIDC_ROLE_MAP`; checked at every login.",
    )
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict,
        description='Claim value to organization role, as JSON: {"tracehouse-admins": "admin"}; '
        "the most powerful match wins.",
    )
    oidc_default_role: str = Field(
        "member",
        description="Role of a person whose claim maps to no role (owner, admin, member, viewer).",
    )
    login_hash_workers: int = Field(
        1,
        ge=1,
        description="Threads logins run on (throttle, look-up and the scrypt password check, "
        "~50 ms of one core each, at a lower CPU priority); logins never use more, nor the "
        "threads other requests use, so a flood of them cannot starve ingestion.",
    )
    login_max_waiting: int = Field(
        32,
        ge=1,
        description="Logins that may run or wait for a login thread at once; past it a login "
        "is answered 503 + Retry-After at once.",
    )
    init_org_name: str | None = Field(None, description="First start: organization name.")
    init_project_name: str | None = Field(None, description="First start: project name.")
    init_project_id: str | None = Field(
        None,
        max_length=64,
        description="First start: the project's id (e.g. Langfuse CI's fixed project id).",
    )
    init_user_email: str | None = Field(None, description="First start: admin e-mail.")
    init_user_password: str | None = Field(None, description="First start: admin password.")
    init_public_key: str | None = Field(None, description="First start: the live public key.")
    init_secret_key: str | None = Field(
        None, description="First start: the live secret key (at least 32 characters)."
    )
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    secret_key: SecretStr | None = Field(
        None,
        description="Server secret that encryption keys (stored provider API keys) derive from; "
        "when unset, one is generated on first use and kept in the data directory (SQLite) or "
        "the server_settings table (PostgreSQL).",
    )
    secret_key_file: Path | None = Field(
        None,
        description="File holding that server secret, outside the data directory (created with "
        "a random secret, mode 0600, when missing); `TRACEHOUSE_SECRET_KEY` wins over it.",
    )
    cookie_secure: bool = Field(
        False,
        description="Always set the `Secure` flag on the web UI's cookies (behind a TLS proxy "
        "that does not send `X-Forwarded-Proto`); otherwise set on HTTPS requests and when "
        "`public_url` is https.",
    )
    access_log: bool = Field(
        True,
        description="Log one line per HTTP request: method, path (never the query), status, "
        "time and request id.",
    )
    usage_cache_seconds: float = Field(
        10.0, description="How long ingestion trusts a project's last quota check."
    )
    plan_limits: dict[str, dict[str, int | None]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_PLAN_LIMITS.items()},
        description="Per plan: monthly hard limits (traces, observations, api_requests); "
        "null = unlimited. Over a limit, ingestion answers 402 quota_exceeded.",
    )
    evaluation_interval_seconds: float = Field(
        5.0, description="How often queued evaluation runs and monitors are served; 0 disables."
    )
    alert_interval_seconds: float = Field(
        60.0,
        ge=0,
        description="How often alert rules are evaluated (each rule at most once per interval "
        "across every server process); 0 disables the alert job.",
    )
    alert_retry_seconds: float = Field(
        2.0,
        ge=0,
        description="First pause before an alert notification is tried again (then doubled; "
        "three tries in all).",
    )
    monitor_lookback_seconds: float = Field(
        300.0,
        ge=0,
        description="How far back (beyond their delay) monitors look again for traces that "
        "became visible late (a PostgreSQL transaction that committed after later ones).",
    )
    analytics_refresh_seconds: float = Field(
        5.0,
        description="How often the analytics roll-up refresher compacts the rows ingestion "
        "appended and looks for days a retention purge left stale; such a day is rebuilt once "
        "no write has touched it for one whole interval. 0 disables it.",
    )
    search_index_interval_seconds: float = Field(
        2.0,
        ge=0,
        description="How often the search indexer looks for traces changed since it last "
        "read (it goes on at once while it finds full batches); 0 disables it, and search then "
        "finds only what was indexed before.",
    )
    analytics_refresh_budget_seconds: float = Field(
        1.0,
        ge=0,
        description="At most this long compacting or rebuilding days per refresher pass (one "
        "day at a time), so the refresher never takes more than a fraction of a core.",
    )
    analytics_live_traces: int = Field(
        5000,
        ge=0,
        description="An analytics read computes the days a retention purge left stale from the "
        "traces while they hold at most this many traces in all; past that it serves their "
        "roll-up as of the purge and says so (`freshness`).",
    )

    analytics_max_range_days: float = Field(
        366.0,
        gt=0,
        description="Longest time range (`to` - `from`) an analytics, costs or failures read "
        "accepts; a longer one answers 422.",
    )
    analytics_timeout_seconds: float = Field(
        30.0,
        ge=0,
        description="Time limit of each user-driven analytic read (analytics, costs, failures, "
        "insights, session lists, prompt metrics): past it the database stops its query and "
        "the request answers 503 with `Retry-After`. 0: no limit.",
    )
    billing_provider: Literal["dodo", "stripe"] | None = Field(
        None,
        description="Payment provider of checkout and the customer portal (hosted "
        "service): `dodo` (Dodo Payments) or `stripe`; unset: billing is not enabled.",
    )
    billing_api_key: SecretStr | None = Field(
        None, description="The provider's secret API key (never logged nor shown)."
    )
    billing_webhook_secret: SecretStr | None = Field(
        None,
        description="Secret that signs the provider's webhooks (Stripe `whsec_…`, Dodo "
        "Payments' Standard Webhooks key); webhooks whose signature does not verify are refused.",
    )
    billing_api_base_url: str | None = Field(
        None,
        description="Base URL of the provider's API; default: the SDK's (live mode). E.g. "
        "https://test.dodopayments.com for Dodo's test mode.",
    )
    billing_products: dict[str, str] = Field(
        default_factory=dict,
        description="Per plan, the provider's product (Dodo) or price (Stripe) id a checkout "
        'sells, as JSON: {"pro": "pdt_…"}; only these plans can be bought.',
    )
    billing_ended_plan: str = Field(
        "free", description="Plan an organization moves to when its subscription ends."
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mail notifications; unset: no e-mail is sent."
    )
    smtp_port: int = Field(587, description="Port of the SMTP server.")
    smtp_user: str | None = Field(None, description="SMTP login user, if the server needs one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP login password.")
    smtp_from: str = Field(
        "tracehouse@localhost", description="Sender address of notification e-mails."
    )
    smtp_starttls: bool = Field(
        True, description="Upgrade the SMTP connection with STARTTLS before logging in."
    )
    smtp_timeout_seconds: float = Field(
        10.0, gt=0, description="Longest wait for the SMTP server at each step."
    )

    embedder: str | None = Field(
        None,
        description="Embedder of every project that sets none of its own (semantic memory "
        "and span search): `model2vec:<directory or Hugging Face id>` (a local static model, "
        "see docs/memory.md), `provider:<credential name>:<model>` (the OpenAI-compatible "
        "provider credential of that name in each project), or unset/`none`: keyword only.",
    )
    embedder_allow_download: bool = Field(
        False,
        description="Let a model2vec model named by a Hugging Face id that is not in the local "
        "cache be downloaded at first use; otherwise it is never fetched at run time.",
    )
    embedder_models_dir: Path | None = Field(
        None,
        description="Directory of model2vec models a project may choose by name (one folder "
        "per model); default data_dir/models.",
    )

    @model_validator(mode="after")
    def _legacy_listen_host(self) -> Settings:
        # Before TRACEHOUSE_LISTEN_HOST, TRACEHOUSE_HOST was the listen address: keep such
        # setups (e.g. 0.0.0.0 in a container) listening where they did.
        if "listen_host" not in self.model_fields_set and is_interface(self.host):
            log.warning(
                "TRACEHOUSE_HOST=%s read as the listen address; set TRACEHOUSE_LISTEN_HOST "
                "instead (TRACEHOUSE_HOST is the SDK's and CLI's server URL)",
                self.host,
            )
            self.listen_host = str(self.host)
        return self

    @model_validator(mode="after")
    def _billing_key(self) -> Settings:
        if self.billing_provider is not None and self.billing_api_key is None:
            raise ValueError(
                "TRACEHOUSE_BILLING_API_KEY is needed with TRACEHOUSE_BILLING_PROVIDER"
            )
        return self

    @field_validator("default_plan", "billing_ended_plan")
    @classmethod
    def _known_plan(cls, value: str) -> str:
        return known_plan(value)

    @field_validator("billing_products")
    @classmethod
    def _known_products(cls, value: dict[str, str]) -> dict[str, str]:
        for plan in value:
            known_plan(plan)
        return value

    @field_validator("init_secret_key")
    @classmethod
    def _long_secret(cls, value: str | None) -> str | None:
        if value is not None and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("embedder")
    @classmethod
    def _embedder_spec(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in ("", "none"):
            return None
        kind, _, rest = value.partition(":")
        model = rest.split(":", 1)[1] if kind == "provider" and ":" in rest else rest
        if kind not in ("model2vec", "provider") or not model.strip():
            raise ValueError(
                "must be model2vec:<directory or id>, provider:<credential>:<model> or none"
            )
        return value

    @model_validator(mode="after")
    def _clickhouse_target(self) -> Settings:
        if self.clickhouse_url is None:
            if self.clickhouse_cluster:
                raise ValueError("TRACEHOUSE_CLICKHOUSE_CLUSTER needs TRACEHOUSE_CLICKHOUSE_URL")
            return self
        try:
            target = ch_url.parse(self.clickhouse_url)
        except ValueError as exc:
            raise ValueError(f"TRACEHOUSE_CLICKHOUSE_URL {exc}") from None
        if target.embedded and self.clickhouse_cluster:
            raise ValueError("TRACEHOUSE_CLICKHOUSE_CLUSTER needs a ClickHouse server, not chdb://")
        return self

    @field_validator("sqlite_synchronous")
    @classmethod
    def _known_sync(cls, value: str) -> str:
        value = value.upper()
        if value not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError("must be FULL, NORMAL or EXTRA")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, normalised to the drivers Tracehouse uses (psycopg 3)."""
        if not self.database_url:
            return f"sqlite:///{(self.data_dir / 'tracehouse.db').resolve()}"
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @property
    def resolved_models_dir(self) -> Path:
        return self.embedder_models_dir or self.data_dir / "models"

    @property
    def clickhouse_target(self) -> ch_url.Target | None:
        """Where ClickHouse is (None: traces stay in the relational database)."""
        return None if self.clickhouse_url is None else ch_url.parse(self.clickhouse_url)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.listen_host}:{self.port}"
