"""The summary: every figure equals the one computed from the generated rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api import expected
from tests.api.dataset import EDGE_RANGE, History

pytestmark = pytest.mark.anyio

RANGES = [
    pytest.param(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), id="everything"),
    pytest.param(datetime(2026, 3, 6, 5, 17, tzinfo=UTC), datetime(2026, 3, 8, 19, 3, tzinfo=UTC), id="odd-minutes"),
    pytest.param(*EDGE_RANGE, id="edges"),
    pytest.param(datetime(2026, 3, 7, 10, 3, tzinfo=UTC), datetime(2026, 3, 7, 10, 30, tzinfo=UTC), id="incident"),
    pytest.param(datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC), id="open-incident"),
    pytest.param(datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 2, tzinfo=UTC), id="empty"),
]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def get_summary(client: httpx.AsyncClient, start: datetime, end: datetime) -> dict[str, Any]:
    response = await client.get("/api/v1/summary", params={"from": iso(start), "to": iso(end)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict), body
    return body


@pytest.mark.parametrize(("start", "end"), RANGES)
async def test_every_figure_of_the_summary_matches_the_rows(
    client: httpx.AsyncClient, history: History, start: datetime, end: datetime
) -> None:
    body = await get_summary(client, start, end)
    truth = expected.summary(history, start, end)
    assert body["range"] == {"from": iso(start), "to": iso(end)}
    for group in ("users", "chats", "messages", "calls", "incidents"):
        for name, value in truth[group].items():
            assert body[group][name] == pytest.approx(value), f"{group}.{name}"
    for name, value in truth["answers"].items():
        assert body["answers"][name] == pytest.approx(value), f"answers.{name}"
    usage = truth["usage"]
    assert body["usage"] == {**usage, "cost_usd": pytest.approx(float(usage["cost_usd"]), rel=1e-12)}
    assert expected.mean_matches(body["answers"]["latency_mean_ms"], truth["latencies"])
    assert expected.mean_matches(body["calls"]["ttft_mean_ms"], truth["first_tokens"])
    for percent in (50, 95):
        exact = expected.exact_percentile(truth["latencies"], percent)
        assert expected.percentile_close(body["answers"][f"latency_p{percent}_ms"], exact)
        exact = expected.exact_percentile(truth["first_tokens"], percent)
        assert expected.percentile_close(body["calls"][f"ttft_p{percent}_ms"], exact)


async def test_a_row_exactly_at_from_is_in_and_one_exactly_at_to_is_out(
    client: httpx.AsyncClient, history: History
) -> None:
    start, end = EDGE_RANGE
    body = await get_summary(client, start, end)
    questions_at = [m["created_at"] for m in history.messages if m["direction"] == "in"]
    assert start in questions_at and end in questions_at
    inside = sum(1 for at in questions_at if start <= at < end)
    assert body["messages"]["incoming"] == inside
    # Moving `to` one minute on takes in the question at 13:00 exactly.
    later = await get_summary(client, start, end + timedelta(minutes=1))
    assert later["messages"]["incoming"] == inside + sum(
        1 for at in questions_at if end <= at < end + timedelta(minutes=1)
    )


async def test_a_range_off_whole_minutes_is_widened_to_them(client: httpx.AsyncClient, history: History) -> None:
    start, end = EDGE_RANGE
    response = await client.get(
        "/api/v1/summary", params={"from": iso(start + timedelta(seconds=30)), "to": iso(end - timedelta(seconds=30))}
    )
    assert response.json()["range"] == {"from": iso(start), "to": iso(end)}
    assert response.json()["messages"] == (await get_summary(client, start, end))["messages"]


async def test_offsets_and_naive_times_mean_the_same_instants(client: httpx.AsyncClient) -> None:
    start, end = EDGE_RANGE
    utc = await get_summary(client, start, end)
    moscow = await client.get(
        "/api/v1/summary", params={"from": "2026-03-07T15:00:00+03:00", "to": "2026-03-07T16:00:00+03:00"}
    )
    naive = await client.get("/api/v1/summary", params={"from": "2026-03-07T12:00:00", "to": "2026-03-07T13:00:00"})
    assert moscow.json() == utc
    assert naive.json() == utc


async def test_without_a_range_the_summary_covers_the_last_24_hours(client: httpx.AsyncClient) -> None:
    before = datetime.now(UTC)
    body = (await client.get("/api/v1/summary")).json()
    start, end = datetime.fromisoformat(body["range"]["from"]), datetime.fromisoformat(body["range"]["to"])
    assert end - start == timedelta(hours=24)
    assert before <= end <= datetime.now(UTC) + timedelta(minutes=1)
