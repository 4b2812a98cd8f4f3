"""The bot's own small HTTP server: /metrics, /healthz and /readyz.

``/healthz`` answers while the process runs. ``/readyz`` says whether the bot
can serve users: 200 with ``"status": "ready"`` or ``"degraded"`` (working, but
the database is away or no model answers: visible, yet no reason to restart),
503 with ``"not_ready"`` while updates are not being received or the runtime
is stopping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


@dataclass(frozen=True, slots=True)
class Readiness:
    status: str
    checks: dict[str, Any]


def build_app(registry: CollectorRegistry, readiness: Callable[[], Readiness]) -> web.Application:
    async def metrics(request: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        state = readiness()
        code = 503 if state.status == "not_ready" else 200
        return web.json_response({"status": state.status, "checks": state.checks}, status=code)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def start_server(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
