"""Authentication, the start-up policy, CORS, and clear 422s for bad input."""

from __future__ import annotations

import hmac
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.auth import InsecureConfiguration
from tests.api.conftest import DASHBOARD, TOKEN, api_settings

pytestmark = pytest.mark.anyio

ROUTES = [
    "/api/v1/summary",
    "/api/v1/timeseries",
    "/api/v1/dialogs",
    "/api/v1/dialogs/1001/messages",
    "/api/v1/users/top",
    "/api/v1/models",
    "/api/v1/roles",
]


@pytest.fixture
async def anonymous(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer"],
)
async def test_every_route_refuses_a_missing_or_wrong_token(
    anonymous: httpx.AsyncClient, route: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await anonymous.get(route, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in response.text


@pytest.mark.parametrize("route", ROUTES)
async def test_every_route_answers_the_right_token(anonymous: httpx.AsyncClient, route: str) -> None:
    response = await anonymous.get(route, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text


async def test_tokens_are_compared_in_constant_time(
    anonymous: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return original(given, expected)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module api.auth calls
    await anonymous.get("/api/v1/roles", headers={"Authorization": "Bearer guess"})
    await anonymous.get("/api/v1/roles", headers={"Authorization": f"Bearer {TOKEN}"})
    assert compared == [(b"guess", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


async def test_probes_and_metrics_need_no_token(anonymous: httpx.AsyncClient) -> None:
    for route in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert (await anonymous.get(route)).status_code == 200


def test_without_a_token_the_service_refuses_to_start(stats_url: str) -> None:
    with pytest.raises(InsecureConfiguration, match="STATS_API_TOKEN"):
        create_app(api_settings(stats_api_token=None), stats_url)
    with pytest.raises(InsecureConfiguration, match="STATS_API_TOKEN"):
        create_app(api_settings(stats_api_token="   "), stats_url)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_running_open_is_refused_off_loopback(stats_url: str, host: str) -> None:
    with pytest.raises(InsecureConfiguration, match="API_HOST"):
        create_app(api_settings(stats_api_token=None, stats_api_allow_open=True, api_host=host), stats_url)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
async def test_running_open_on_loopback_serves_without_a_token(stats_url: str, host: str) -> None:
    app = create_app(api_settings(stats_api_token=None, stats_api_allow_open=True, api_host=host), stats_url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/api/v1/roles")).status_code == 200
    await app.state.engine.dispose()


async def test_cors_allows_only_the_dashboard_origin(anonymous: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    allowed = await anonymous.options("/api/v1/summary", headers={"Origin": DASHBOARD, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == DASHBOARD
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = await anonymous.options("/api/v1/summary", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    simple = await anonymous.get(
        "/api/v1/roles", headers={"Origin": "https://evil.example", "Authorization": f"Bearer {TOKEN}"}
    )
    assert "access-control-allow-origin" not in simple.headers


BAD_REQUESTS = [
    ("/api/v1/summary", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "before `to`"),
    ("/api/v1/summary", {"from": "2026-03-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "before `to`"),
    ("/api/v1/summary", {"from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "400 days"),
    ("/api/v1/summary", {"from": "yesterday"}, "datetime"),
    ("/api/v1/summary", {"from": "1900-01-01T00:00:00Z"}, "between 2000 and 2100"),
    ("/api/v1/summary", {"to": "9999-12-31T23:59:59Z"}, "between 2000 and 2100"),
    ("/api/v1/timeseries", {"tz": "Mars/Olympus"}, "unknown time zone"),
    ("/api/v1/timeseries", {"tz": "../../etc/passwd"}, "unknown time zone"),
    ("/api/v1/timeseries", {"bucket": "week"}, "minute"),
    (
        "/api/v1/timeseries",
        {"from": "2026-03-01T00:00:00Z", "to": "2026-03-05T00:00:00Z", "bucket": "minute"},
        "up to 2 days",
    ),
    (
        "/api/v1/timeseries",
        {"from": "2026-01-01T00:00:00Z", "to": "2026-09-01T00:00:00Z", "bucket": "hour"},
        "up to 125 days",
    ),
    ("/api/v1/dialogs", {"limit": "0"}, "greater than or equal to 1"),
    ("/api/v1/dialogs", {"limit": "201"}, "less than or equal to 200"),
    ("/api/v1/dialogs", {"cursor": "not a cursor!"}, "malformed cursor"),
    ("/api/v1/dialogs", {"cursor": "MjAyNnwx"}, "malformed cursor"),
    ("/api/v1/dialogs", {"q": "a\x00b"}, "NUL"),
    ("/api/v1/dialogs", {"text": "x" * 201}, "at most 200 characters"),
    ("/api/v1/dialogs/99999999999999999999/messages", {}, "less than or equal to"),
    ("/api/v1/dialogs/1001/messages", {"cursor": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, "malformed cursor"),
    ("/api/v1/users/top", {"limit": "1000"}, "less than or equal to 100"),
    ("/api/v1/models", {"events": "-1"}, "greater than or equal to 0"),
]


@pytest.mark.parametrize(("route", "params", "message"), BAD_REQUESTS)
async def test_bad_parameters_get_a_422_that_says_what_is_wrong(
    client: httpx.AsyncClient, route: str, params: dict[str, str], message: str
) -> None:
    response = await client.get(route, params=params)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert any(message in error["msg"] for error in errors), errors
    assert all(error["loc"][0] in ("query", "path") for error in errors)


async def test_a_database_outage_is_a_503_that_leaks_nothing() -> None:
    url = "postgresql://secret_user:secret_password@127.0.0.1:1/nowhere"
    app = create_app(api_settings(), url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as c:
        response = await c.get("/api/v1/summary")
    await app.state.engine.dispose()
    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable"}
    assert "secret" not in response.text


async def test_a_role_that_may_not_write_the_rollups_gets_a_503_that_says_what_to_grant(
    clean_db: AsyncEngine, database_url: str
) -> None:
    role = f"reader_{uuid.uuid4().hex[:8]}"
    async with clean_db.begin() as db:
        await db.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        await db.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        await db.exec_driver_sql(
            "INSERT INTO messages (dedup_key, chat_id, user_id, direction) VALUES ('waiting', 1, 1, 'in')"
        )
    app = create_app(api_settings(), make_url(database_url).set(username=role, password=None).render_as_string())
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as c:
            response = await c.get("/api/v1/summary")
    finally:
        await app.state.engine.dispose()
        async with clean_db.begin() as db:
            await db.exec_driver_sql(f"DROP OWNED BY {role}")
            await db.exec_driver_sql(f"DROP ROLE {role}")
    assert response.status_code == 503
    assert "grant it INSERT and UPDATE on the stats_* tables" in response.json()["detail"]
