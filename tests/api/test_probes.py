"""/healthz, /readyz and /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from db.migrate import head_revision, upgrade
from tests.api.conftest import TOKEN, api_settings
from tests.conftest import PostgresServer, create_test_database, drop_test_database

pytestmark = pytest.mark.anyio


async def probe(url: str, path: str) -> httpx.Response:
    app = create_app(api_settings(), url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get(path)
    await app.state.engine.dispose()
    return response


@pytest.fixture
def old_database(postgres: PostgresServer) -> Iterator[str]:
    name = create_test_database(postgres, prefix="old")
    url = postgres.url(name)
    upgrade(url, "0001")
    yield url
    drop_test_database(postgres, name)


async def test_healthz_says_the_process_is_alive() -> None:
    response = await probe("postgresql://nobody@127.0.0.1:1/none", "/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_ready_on_a_migrated_database(stats_url: str) -> None:
    response = await probe(stats_url, "/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "database": True,
        "revision": head_revision(),
        "expected_revision": head_revision(),
        "reason": None,
    }


def test_readyz_documents_its_answer_in_the_schema() -> None:
    app = create_app(api_settings(), "postgresql://nobody@127.0.0.1:1/none")
    responses = app.openapi()["paths"]["/readyz"]["get"]["responses"]
    for status in ("200", "503"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Readiness"}


async def test_readyz_is_503_until_the_database_is_migrated(old_database: str) -> None:
    response = await probe(old_database, "/readyz")
    assert response.status_code == 503
    body = response.json()
    assert (body["ready"], body["database"], body["revision"]) == (False, True, "0001")
    assert "assistant migrate" in body["reason"]
    await asyncio.to_thread(upgrade, old_database)
    assert (await probe(old_database, "/readyz")).status_code == 200


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    response = await probe("postgresql://nobody:hunter2@127.0.0.1:1/none", "/readyz")
    assert response.status_code == 503
    assert (response.json()["database"], response.json()["reason"]) == (False, "database unreachable")
    assert "hunter2" not in response.text


async def test_metrics_count_requests_by_route_template_and_status(stats_url: str) -> None:
    app = create_app(api_settings(), stats_url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as c:
        for chat_id in (1001, 1002, 424242):
            await c.get(f"/api/v1/dialogs/{chat_id}/messages")
        await c.get("/api/v1/summary", headers={"Authorization": "Bearer wrong"})
        await c.get("/no/such/page")
        exposition = (await c.get("/metrics")).text
    await app.state.engine.dispose()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }

    def requests(route: str, status: str) -> float:
        labels = (("method", "GET"), ("route", route), ("status", status))
        return samples.get(("assistant_api_requests_total", labels), 0)

    assert requests("/api/v1/dialogs/{chat_id}/messages", "200") == 2
    assert requests("/api/v1/dialogs/{chat_id}/messages", "404") == 1
    assert requests("/api/v1/summary", "401") == 1
    assert requests("<unmatched>", "404") == 1

    def timed(route: str, status: str) -> float:
        labels = (("method", "GET"), ("route", route), ("status", status))
        return samples.get(("assistant_api_request_duration_seconds_count", labels), 0)

    assert (timed("/api/v1/dialogs/{chat_id}/messages", "200"), timed("/api/v1/dialogs/{chat_id}/messages", "404")) == (
        2,
        1,
    )
    assert timed("/api/v1/summary", "401") == 1
    # Chat ids never become label values (a number such as a duration may contain the digits).
    label_values = {value for _, labels in samples for _, value in labels}
    assert not {"1001", "1002", "424242"} & {part for value in label_values for part in value.split("/")}
