"""`create_app(settings)`: the ASGI app. Wiring only; nothing happens at import time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route

from tracehouse import __version__
from tracehouse.alerts import worker as alert_worker
from tracehouse.alerts.routes import router as alerts_router
from tracehouse.analytics.routes import router as analytics_router
from tracehouse.annotations.routes import router as annotations_router
from tracehouse.audit.routes import router as audit_router
from tracehouse.billing.routes import router as billing_router
from tracehouse.checkpoints.routes import router as checkpoints_router
from tracehouse.collab.routes import router as collab_router
from tracehouse.config import Settings
from tracehouse.datasets.routes import router as datasets_router
from tracehouse.embeddings.routes import router as embedder_router
from tracehouse.evaluations import worker as evaluation_worker
from tracehouse.evaluations.routes import router as evaluations_router
from tracehouse.evaluators.routes import router as evaluators_router
from tracehouse.forks.routes import replays_router
from tracehouse.forks.routes import router as forks_router
from tracehouse.health import router as health_router
from tracehouse.http import errors
from tracehouse.http.logs import AccessLog
from tracehouse.http.middleware import RequestContext
from tracehouse.http.openapi import router as openapi_router
from tracehouse.http.ratelimit import MemoryLimiter, PostgresLimiter
from tracehouse.http.responses import JSONResponse
from tracehouse.http.shedding import WriteShedding
from tracehouse.ingest.writer import Writer
from tracehouse.insights.routes import router as insights_router
from tracehouse.jobs import retention, rollups, search_index, statistics
from tracehouse.langfuse.datasets import router as langfuse_datasets_router
from tracehouse.langfuse.experiments import router as langfuse_experiments_router
from tracehouse.langfuse.media import router as langfuse_media_router
from tracehouse.langfuse.prompts import router as langfuse_prompts_router
from tracehouse.langfuse.routes import router as langfuse_router
from tracehouse.live.broker import live_broker
from tracehouse.live.routes import router as live_router
from tracehouse.masking.routes import router as masking_router
from tracehouse.mcp_server import endpoint as mcp_endpoint
from tracehouse.mcp_server import server as mcp_server
from tracehouse.media.storage import media_storage
from tracehouse.memory.routes import router as memory_router
from tracehouse.metrics.routes import router as metrics_router
from tracehouse.observations.routes import router as observations_router
from tracehouse.otlp import offload
from tracehouse.otlp.routes import router as otlp_router
from tracehouse.playground.routes import router as playground_router
from tracehouse.pricing.catalog import find_card
from tracehouse.pricing.routes import router as models_router
from tracehouse.projects.people import router as project_people_router
from tracehouse.projects.routes import router as management_router
from tracehouse.prompts.routes import router as prompts_router
from tracehouse.providers.routes import router as providers_router
from tracehouse.runtime import Runtime
from tracehouse.saved_views.routes import router as saved_views_router
from tracehouse.scores.routes import router as scores_router
from tracehouse.search.routes import router as search_router
from tracehouse.sessions.routes import router as sessions_router
from tracehouse.skills.routes import router as skills_router
from tracehouse.store.engine import open_database
from tracehouse.tapes.routes import router as tapes_router
from tracehouse.traces.routes import router as traces_router
from tracehouse.ui import site as ui
from tracehouse.usage import counter as usage_counter
from tracehouse.usage.routes import router as usage_router
from tracehouse.users.passwords import PasswordChecks
from tracehouse.users.routes import router as users_router
from tracehouse.users.throttle import DatabaseFailures, LoginThrottle, MemoryFailures
from tracehouse.vcs.routes import ci_router, git_router
from tracehouse.versions.routes import router as versions_router

ROUTERS = (
    health_router,
    traces_router,
    saved_views_router,
    observations_router,
    sessions_router,
    scores_router,
    search_router,
    tapes_router,
    forks_router,
    replays_router,
    checkpoints_router,
    git_router,
    ci_router,
    versions_router,
    models_router,
    prompts_router,
    skills_router,
    collab_router,
    datasets_router,
    providers_router,
    embedder_router,
    memory_router,
    playground_router,
    evaluators_router,
    evaluations_router,
    annotations_router,
    management_router,
    project_people_router,
    otlp_router,
    metrics_router,
    langfuse_router,
    langfuse_prompts_router,
    langfuse_datasets_router,
    langfuse_experiments_router,
    langfuse_media_router,
    analytics_router,
    alerts_router,
    insights_router,
    usage_router,
    billing_router,
    live_router,
    users_router,
    audit_router,
    masking_router,
    openapi_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The database must already be migrated (`tracehouse migrate` or `serve`)."""
    settings = settings or Settings()
    mcp = mcp_server.build()
    app = FastAPI(
        title="Tracehouse",
        version=__version__,
        description="Observability for LLM applications and AI agents: traces, costs, scores.",
        lifespan=_lifespan(settings, mcp),
        default_response_class=JSONResponse,
    )
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.router.routes.append(
        Route("/mcp", mcp, methods=mcp_endpoint.METHODS, include_in_schema=False)
    )
    ui.install(app)
    app.add_middleware(WriteShedding, budget_seconds=settings.write_wait_budget_seconds)
    anonymous = _AnonymousHeaders(settings)
    app.add_middleware(
        RequestContext, max_body_bytes=settings.max_body_bytes, anonymous_headers=anonymous
    )
    if settings.access_log:
        app.add_middleware(AccessLog)  # outermost: times everything, even a 413
    return app


def _lifespan(
    settings: Settings, mcp: mcp_endpoint.Endpoint
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the runtime, background jobs and the MCP server with the app; stop them in reverse
    when it ends."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await _start_runtime(settings)
        app.state.runtime = runtime
        jobs = _start_jobs(runtime)
        # Everything loaded so far lives as long as the server: out of the cyclic collector's
        # sight, its full collections scan only what requests create (on a large analytics
        # read, some 50 ms less). Given back to it when the app stops.
        gc.freeze()
        try:
            async with mcp.running():
                yield
        finally:
            gc.unfreeze()
            await _stop(runtime, jobs)

    return lifespan


async def _start_runtime(settings: Settings) -> Runtime:
    """Media storage, database, rate limiter, live broker, writer and OTLP workers, ready to
    serve."""
    media = media_storage(settings)  # first: a bucket without boto3 stops here
    db = open_database(settings)
    limiter = MemoryLimiter() if db.is_sqlite else PostgresLimiter(db.writer)
    broker = live_broker(db)
    await broker.start()
    writer = Writer(
        db.writer,
        max_pending=settings.write_queue_size,
        max_group=settings.write_batch_size,
        broker=broker,
        wait_budget=settings.write_wait_budget_seconds,
    )
    await writer.start()
    offload.start(settings.otlp_workers)
    find_card("gpt-4o", None, None)  # load the price table before the first generation
    return Runtime(
        settings=settings,
        db=db,
        writer=writer,
        limiter=limiter,
        passwords=PasswordChecks(settings.login_hash_workers, settings.login_max_waiting),
        login_throttle=LoginThrottle(
            MemoryFailures() if db.is_sqlite else DatabaseFailures(db.writer)
        ),
        media=media,
        broker=broker,
    )


def _start_jobs(runtime: Runtime) -> list[asyncio.Task[None]]:
    """The background jobs the settings enable: retention, statistics, usage, the analytics
    roll-up refresher, the search indexer, evaluations, alerts."""
    settings, db = runtime.settings, runtime.db
    jobs: list[Coroutine[Any, Any, None]] = []
    if settings.retention_interval_seconds > 0:
        jobs.append(
            retention.run_forever(
                db.writer,
                interval=settings.retention_interval_seconds,
                test_data_days=settings.test_data_days,
                audit_days=settings.audit_retention_days,
            )
        )
    if db.is_sqlite:
        jobs.append(statistics.run_forever(db))
    jobs.append(usage_counter.run_forever(runtime))
    if settings.analytics_refresh_seconds > 0:
        jobs.append(
            rollups.run_forever(
                db,
                interval=settings.analytics_refresh_seconds,
                budget=settings.analytics_refresh_budget_seconds,
            )
        )
    if settings.search_index_interval_seconds > 0:
        jobs.append(
            search_index.run_forever(runtime, interval=settings.search_index_interval_seconds)
        )
    if settings.evaluation_interval_seconds > 0:
        jobs.append(
            evaluation_worker.run_forever(runtime, interval=settings.evaluation_interval_seconds)
        )
    if settings.alert_interval_seconds > 0:
        jobs.append(alert_worker.run_forever(runtime, interval=settings.alert_interval_seconds))
    return [asyncio.create_task(job) for job in jobs]


async def _stop(runtime: Runtime, jobs: list[asyncio.Task[None]]) -> None:
    for task in jobs:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    usage_counter.flush_quietly(runtime)
    await runtime.writer.stop()
    runtime.passwords.close()
    await runtime.broker.stop()
    runtime.db.dispose()


class _AnonymousHeaders:
    """Rate-limit headers for responses that did not authenticate (per client address)."""

    def __init__(self, settings: Settings):
        self._limiter = MemoryLimiter()
        self._per_minute, self._burst = settings.rate_limits[settings.default_plan]

    def __call__(self, scope: Any) -> dict[str, str]:
        client = scope.get("client") or ("unknown", 0)
        decision = self._limiter.hit(f"ip:{client[0]}", self._per_minute, self._burst)
        return (
            decision.headers()
            if decision.allowed
            else {k: v for k, v in decision.headers().items() if k != "Retry-After"}
        )
