"""The stats API application: ``create_app(settings, database_url)``.

Routes: ``/api/v1/*`` (statistics, bearer token), ``/healthz`` and ``/readyz``
(probes, open), ``/metrics`` (Prometheus, open). Database failures answer 503,
never 500, and never with the database URL or any other secret in the body.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.auth import check_startup, configured_token
from api.catch_up import keep_caught_up
from api.metrics import ApiMetrics, MetricsMiddleware
from api.routes import router
from api.schemas import ErrorMessage, Health, Readiness
from assistant.settings import Settings
from db.engine import async_url
from db.migrate import current_revision, head_revision

log = logging.getLogger("assistant.api")

READINESS_TIMEOUT = 3.0
STATEMENT_TIMEOUT_MS = 15_000
"""A query that runs longer (a text search over years of messages) is cancelled and answered 503."""

DESCRIPTION = """\
Aggregated statistics of the assistant bot, read from its PostgreSQL database.

Every `/api/v1` route needs `Authorization: Bearer <STATS_API_TOKEN>`. Times are
ISO-8601 UTC; ranges are half-open `[from, to)` and widened to whole minutes;
latencies are milliseconds, money is US dollars. Percentiles come from
histograms with log-spaced bins and are within 2.5 % of the exact value;
means are exact.
"""


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """The API's engine: a statement timeout and a short connect timeout.

    The API reads the bot's tables and writes one thing: the statistics rollups it
    keeps caught up (``db.catch_up``), so its role needs INSERT and UPDATE on the
    ``stats_*`` tables (a request answers 503 saying so when it lacks them).
    """
    return create_async_engine(
        async_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "timeout": 5,
            "server_settings": {
                "statement_timeout": str(STATEMENT_TIMEOUT_MS),
                "application_name": "assistant-api",
                # The planner overestimates the per-tile range scans a thousandfold (their bounds are
                # parameters): it would spend ~300 ms JIT-compiling queries that run in 10 ms, and pick
                # bitmap scans where a plain index scan of a few dozen rows is faster.
                "jit": "off",
                "enable_bitmapscan": "off",
            },
        },
    )


def create_app(settings: Settings, database_url: str, *, engine: AsyncEngine | None = None) -> FastAPI:
    """Build the application; raises ``InsecureConfiguration`` when it would run open where it may not."""
    check_startup(settings)
    owns_engine = engine is None
    engine = engine or create_engine(database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with anyio.create_task_group() as background:
            background.start_soon(keep_caught_up, app.state.engine)
            yield
            background.cancel_scope.cancel()
        if owns_engine:
            await app.state.engine.dispose()

    app = FastAPI(
        title="assistant stats API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # The schema is public (the dashboard is generated from it); the data is not.
        openapi_url="/openapi.json",
    )
    metrics = ApiMetrics()
    app.state.settings = settings
    app.state.engine = engine
    app.state.token = configured_token(settings)
    app.state.expected_revision = head_revision()
    app.state.metrics = metrics

    app.include_router(router)
    _add_probes(app)
    _add_error_handlers(app)
    if settings.dashboard_origin.strip():
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[settings.dashboard_origin.strip().rstrip("/")],
            allow_methods=["GET"],
            allow_headers=["Authorization"],
            max_age=600,
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _add_probes(app: FastAPI) -> None:
    @app.get("/healthz", summary="Liveness: the process answers", tags=["probes"])
    async def healthz() -> Health:
        return Health(status="ok")

    @app.get(
        "/readyz",
        summary="Readiness: the database answers and is migrated to the newest revision",
        tags=["probes"],
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Not ready; `reason` says why."}},
    )
    async def readyz(request: Request) -> Response:
        readiness = await check_readiness(request.app.state.engine, request.app.state.expected_revision)
        status_code = 200 if readiness.ready else 503
        return JSONResponse(readiness.model_dump(mode="json"), status_code=status_code)

    @app.get("/metrics", summary="Prometheus metrics of this service", tags=["probes"], response_class=Response)
    async def metrics_endpoint(request: Request) -> Response:
        body, content_type = request.app.state.metrics.exposition()
        return Response(body, media_type=content_type)


async def check_readiness(engine: AsyncEngine, expected: str) -> Readiness:
    """Ready when ``SELECT 1`` works and ``alembic_version`` is at ``expected``, within a few seconds."""

    async def probe() -> str | None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            return await current_revision(connection)

    try:
        revision = await asyncio.wait_for(probe(), READINESS_TIMEOUT)
    except (TimeoutError, OSError, SQLAlchemyError) as error:
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return Readiness(
            ready=False, database=False, revision=None, expected_revision=expected, reason="database unreachable"
        )
    if revision != expected:
        reason = f"database is at migration {revision or 'none'}, expected {expected}: run `assistant migrate`"
        return Readiness(ready=False, database=True, revision=revision, expected_revision=expected, reason=reason)
    return Readiness(ready=True, database=True, revision=revision, expected_revision=expected, reason=None)


# SQLSTATE classes of a database that is unreachable, overloaded or stopping (or a cancelled query):
# connection exception, insufficient resources, operator intervention.
TRANSIENT_SQLSTATES = ("08", "53", "57")


def is_transient(error: Exception) -> bool:
    """True for database trouble a retry may cure (503); False for a query the database refuses (a bug: 500)."""
    if isinstance(error, (OSError, TimeoutError, InterfaceError, DisconnectionError, OperationalError)):
        return True
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(state, str) and state[:2] in TRANSIENT_SQLSTATES


def _add_error_handlers(app: FastAPI) -> None:
    async def database_error(request: Request, error: Exception) -> JSONResponse:
        if not is_transient(error):
            raise error
        # The message of a driver error can quote the URL or the query: log its type only.
        timed_out = getattr(getattr(error, "orig", None), "sqlstate", None) == "57014"
        detail = "the query took too long; narrow the range or the search" if timed_out else "database unavailable"
        log.warning("%s %s: %s (%s)", request.method, request.url.path, detail, type(error).__name__)
        return JSONResponse(ErrorMessage(detail=detail).model_dump(), status_code=503)

    for error in (DBAPIError, DisconnectionError, OSError, TimeoutError):
        app.add_exception_handler(error, database_error)
