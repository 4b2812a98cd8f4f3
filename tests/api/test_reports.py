"""Top users, model health and role usage."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.api import expected
from tests.api.dataset import FALLBACK, PRIMARY, History
from tests.api.test_summary import iso

pytestmark = pytest.mark.anyio

WHOLE = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
SPRING = (datetime(2026, 3, 6, 9, 41, tzinfo=UTC), datetime(2026, 3, 8, 2, 3, tzinfo=UTC))


@pytest.mark.parametrize(("start", "end"), [WHOLE, SPRING])
@pytest.mark.parametrize("limit", [3, 100])
async def test_top_users_by_messages_and_by_cost(
    client: httpx.AsyncClient, history: History, start: datetime, end: datetime, limit: int
) -> None:
    response = await client.get("/api/v1/users/top", params={"from": iso(start), "to": iso(end), "limit": limit})
    body = response.json()
    usage = expected.user_usage(history, start, end)
    names = {user["id"]: user for user in history.users}
    by_messages = sorted((u for u in usage if usage[u]["messages_in"]), key=lambda u: (-usage[u]["messages_in"], u))
    by_cost = sorted((u for u in usage if usage[u]["cost"]), key=lambda u: (-usage[u]["cost"], u))
    assert [entry["user"]["id"] for entry in body["by_messages"]] == by_messages[:limit]
    assert [entry["user"]["id"] for entry in body["by_cost"]] == by_cost[:limit]
    for entry in body["by_messages"] + body["by_cost"]:
        user_id = entry["user"]["id"]
        want = usage[user_id]
        assert entry["user"]["username"] == names[user_id]["username"]
        assert (entry["messages_in"], entry["messages_out"], entry["calls"], entry["tokens"]) == (
            want["messages_in"],
            want["messages_out"],
            want["calls"],
            want["tokens"],
        )
        assert entry["cost_usd"] == pytest.approx(float(want["cost"]), rel=1e-12)


@pytest.mark.parametrize(("start", "end"), [WHOLE, SPRING])
async def test_model_health_states_requests_events_and_incidents(
    client: httpx.AsyncClient, history: History, start: datetime, end: datetime
) -> None:
    body = (await client.get("/api/v1/models", params={"from": iso(start), "to": iso(end), "events": 2})).json()
    models = {model["model"]: model for model in body["models"]}
    assert [model["model"] for model in body["models"]] == [PRIMARY, FALLBACK]
    assert (models[PRIMARY]["configured_as"], models[FALLBACK]["configured_as"]) == ("primary", "fallback")
    outcomes = expected.model_outcomes(history, start, end)
    for name, model in models.items():
        breaker = [e for e in history.events if e["model"] == name and e["kind"] == "breaker"]
        latest = max(breaker, key=lambda e: e["at"])
        assert (model["state"], model["last_reason"]) == (latest["to_state"], latest["reason"])
        assert model["state_since"] == iso(latest["at"])
        failed = [c for c in history.calls if c["model"] == name and c["outcome"] not in expected.FAILURE_FREE]
        last = max(failed, key=lambda c: c["started_at"])
        assert model["last_failure"] == {"at": iso(last["started_at"]), "outcome": last["outcome"]}
        want = outcomes[name]
        assert model["outcomes"] == [{"outcome": o, "calls": n} for o, n in sorted(want.items())]
        assert model["calls"] == sum(want.values())
        failures = sum(n for o, n in want.items() if o not in expected.FAILURE_FREE)
        assert model["failures"] == failures
        assert model["failure_rate"] == pytest.approx(failures / (sum(want.values()) - want["cancelled"]))
        shown = [e for e in history.events if e["model"] == name and e["kind"] in ("breaker", "route_away")]
        in_range = sorted((e for e in shown if start <= e["at"] < end), key=lambda e: e["at"], reverse=True)
        assert [(e["at"], e["kind"], e["from_state"], e["to_state"], e["reason"]) for e in model["events"]] == [
            (iso(e["at"]), e["kind"], e["from_state"], e["to_state"], e["reason"]) for e in in_range[:2]
        ]
    overlapping = [
        (begin, stop) for begin, stop in expected.INCIDENTS if begin < end and (stop is None or stop > start)
    ]
    assert body["incidents"] == [
        {
            "started_at": iso(begin),
            "ended_at": iso(stop) if stop else None,
            "duration_seconds": (stop - begin).total_seconds() if stop else None,
        }
        for begin, stop in sorted(overlapping, reverse=True)
    ]


async def test_a_model_without_events_is_closed_and_a_configured_one_is_listed_without_requests(
    stats_url: str,
) -> None:
    from api.app import create_app
    from tests.api.conftest import TOKEN, api_settings

    app = create_app(api_settings(llm_primary_model="some/new-model"), stats_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as c:
        body = (await c.get("/api/v1/models", params={"from": iso(WHOLE[0]), "to": iso(WHOLE[1])})).json()
    await app.state.engine.dispose()
    first = body["models"][0]
    assert first["model"] == "some/new-model"
    assert (first["configured_as"], first["state"], first["state_since"], first["calls"]) == (
        "primary",
        "closed",
        None,
        0,
    )
    assert (first["failure_rate"], first["last_failure"]) == (None, None)
    assert PRIMARY in [model["model"] for model in body["models"]]


@pytest.mark.parametrize(("start", "end"), [WHOLE, SPRING])
async def test_usage_by_role(client: httpx.AsyncClient, history: History, start: datetime, end: datetime) -> None:
    body = (await client.get("/api/v1/roles", params={"from": iso(start), "to": iso(end)})).json()
    usage = expected.role_usage(history, start, end)
    roles = {entry["role"]: entry for entry in body["roles"]}
    assert set(roles) == set(usage)
    for role, want in usage.items():
        entry = roles[role]
        assert entry["cost_usd"] == pytest.approx(float(want["cost"]), rel=1e-12, abs=1e-12)
        assert {k: entry[k] for k in want if k != "cost"} == {k: v for k, v in want.items() if k != "cost"}
    answers = [entry["answers"] for entry in body["roles"]]
    assert answers == sorted(answers, reverse=True)
