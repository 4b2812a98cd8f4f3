"""Top users, model health and role usage."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.params import Range
from api.queries.rollups import TILES, RoleTotals, call_totals, fetch_tiles, role_totals, rows_in_tiles
from api.queries.stats import NOT_FAILURES, outages_overlapping, ratio, time_range
from api.schemas import (
    BreakerState,
    Incident,
    LastFailure,
    ModelEvent,
    ModelHealth,
    ModelsReport,
    OutcomeCount,
    RolesReport,
    RoleUsage,
    TopUsers,
    UserRef,
    UserUsage,
)
from api.timeranges import Span, tiles_for

_STATES = {state.value for state in BreakerState}
ACTIVITY_COLUMNS = "user_id, messages_in, messages_out, calls, tokens, cost"


async def top_users(db: AsyncConnection, window: Range, *, limit: int) -> TopUsers:
    """The ``limit`` users with most messages sent, and with the highest cost, in the window."""
    rows = await fetch_tiles(
        db,
        f"""
            WITH {TILES},
            totals AS (
                SELECT a.user_id, sum(t.sign * a.messages_in) AS messages_in,
                       sum(t.sign * a.messages_out) AS messages_out, sum(t.sign * a.calls) AS calls,
                       sum(t.sign * a.tokens) AS tokens, sum(t.sign * a.cost) AS cost
                FROM {rows_in_tiles("stats_activity", "a", ACTIVITY_COLUMNS, "r.user_id <> 0")}
                GROUP BY a.user_id
            ),
            ranked AS (
                (SELECT 'messages' AS list, * FROM totals WHERE messages_in > 0
                 ORDER BY messages_in DESC, user_id LIMIT $6)
                UNION ALL
                (SELECT 'cost' AS list, * FROM totals WHERE cost > 0 ORDER BY cost DESC, user_id LIMIT $6)
            )
            SELECT r.*, u.username, u.first_name, u.last_name
            FROM ranked AS r LEFT JOIN users AS u ON u.id = r.user_id
        """,
        tiles_for([Span(window.start, window.end)], signed=True),
        limit,
    )
    lists: dict[str, list[UserUsage]] = {"messages": [], "cost": []}
    for row in rows:
        lists[row["list"]].append(
            UserUsage(
                user=UserRef(
                    id=row["user_id"],
                    username=row["username"],
                    first_name=row["first_name"],
                    last_name=row["last_name"],
                ),
                messages_in=int(row["messages_in"]),
                messages_out=int(row["messages_out"]),
                calls=int(row["calls"]),
                tokens=int(row["tokens"]),
                cost_usd=float(row["cost"]),
            )
        )
    by_messages = sorted(lists["messages"], key=lambda usage: (-usage.messages_in, usage.user.id))
    by_cost = sorted(lists["cost"], key=lambda usage: (-usage.cost_usd, usage.user.id))
    return TopUsers(range=time_range(window), by_messages=by_messages, by_cost=by_cost)


async def models(
    db: AsyncConnection, window: Range, *, configured: dict[str, str], events_per_model: int
) -> ModelsReport:
    """Breaker state now, requests by outcome and events in the window, per model; incidents in the window."""
    tiles = tiles_for([Span(window.start, window.end)], signed=True)
    outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    requests = await call_totals(db, tiles)
    for call in requests[0].totals() if 0 in requests else []:
        outcomes[call.model][call.outcome] += call.calls
    states = {
        row.model: row
        for row in await db.execute(
            text("""
                SELECT DISTINCT ON (model) model, to_state, at, reason FROM model_events
                WHERE kind = 'breaker' ORDER BY model, at DESC, id DESC
            """)
        )
    }
    events: dict[str, list[ModelEvent]] = defaultdict(list)
    if events_per_model > 0:
        rows = await db.execute(
            text("""
                SELECT model, kind, from_state, to_state, reason, at FROM (
                    SELECT *, row_number() OVER (PARTITION BY model ORDER BY at DESC, id DESC) AS n
                    FROM model_events WHERE kind IN ('breaker', 'route_away') AND at >= :start AND at < :end
                ) AS recent
                WHERE n <= :n ORDER BY at DESC, id DESC
            """),
            {"start": window.start, "end": window.end, "n": events_per_model},
        )
        for row in rows:
            events[row.model].append(ModelEvent(**row._mapping))
    rank = {"primary": 0, "fallback": 1}
    names = sorted(
        set(outcomes) | set(states) | set(events) | set(configured),
        key=lambda name: (rank.get(configured.get(name, ""), 2), name),
    )
    failures = await latest_failures(db, names)
    health = [
        _model_health(name, configured, outcomes.get(name, {}), states.get(name), events[name], failures.get(name))
        for name in names
    ]
    incidents = [
        Incident(
            started_at=outage.start,
            ended_at=outage.end,
            duration_seconds=(outage.end - outage.start).total_seconds() if outage.end else None,
        )
        for outage in reversed(await outages_overlapping(db, window))
    ]
    return ModelsReport(range=time_range(window), models=health, incidents=incidents)


async def latest_failures(db: AsyncConnection, names: list[str]) -> dict[str, LastFailure]:
    """Each model's latest failed request: one step down the partial index of failures per model."""
    rows = await db.execute(
        text("""
            SELECT m.model, f.started_at, f.outcome
            FROM unnest(CAST(:names AS text[])) AS m(model)
            CROSS JOIN LATERAL (
                SELECT started_at, outcome FROM llm_calls
                WHERE model = m.model AND outcome NOT IN ('ok', 'cancelled')
                ORDER BY started_at DESC LIMIT 1
            ) AS f
        """),
        {"names": names},
    )
    return {row.model: LastFailure(at=row.started_at, outcome=row.outcome) for row in rows}


def _model_health(
    name: str,
    configured: dict[str, str],
    outcomes: dict[str, int],
    state: Any,
    events: list[ModelEvent],
    last_failure: LastFailure | None,
) -> ModelHealth:
    calls = sum(outcomes.values())
    failures = sum(n for outcome, n in outcomes.items() if outcome not in NOT_FAILURES)
    return ModelHealth(
        model=name,
        configured_as=configured.get(name),
        state=BreakerState(state.to_state) if state is not None and state.to_state in _STATES else BreakerState.CLOSED,
        state_since=state.at if state is not None else None,
        last_reason=state.reason if state is not None else None,
        last_failure=last_failure,
        calls=calls,
        failures=failures,
        failure_rate=ratio(failures, calls - outcomes.get("cancelled", 0)),
        outcomes=[OutcomeCount(outcome=outcome, calls=n) for outcome, n in sorted(outcomes.items())],
        events=events,
    )


async def roles(db: AsyncConnection, window: Range) -> RolesReport:
    """Per role: answers and requests in the window, switches to it in the window, chats using it now."""
    totals = await role_totals(db, tiles_for([Span(window.start, window.end)], signed=True))
    switches = {
        row.role: int(row.n)
        for row in await db.execute(
            text("SELECT role, count(*) AS n FROM role_changes WHERE at >= :start AND at < :end GROUP BY role"),
            {"start": window.start, "end": window.end},
        )
    }
    chats_now = {
        row.role or "": int(row.n)
        for row in await db.execute(text("SELECT role, count(*) AS n FROM chats GROUP BY role"))
    }
    nothing = RoleTotals(0, 0, 0, 0, 0.0)
    usage = [
        RoleUsage(
            role=name or None,
            answers=totals.get(name, nothing).answers,
            calls=totals.get(name, nothing).calls,
            prompt_tokens=totals.get(name, nothing).prompt_tokens,
            completion_tokens=totals.get(name, nothing).completion_tokens,
            cost_usd=float(totals.get(name, nothing).cost),
            switches=switches.get(name, 0),
            chats_now=chats_now.get(name, 0),
        )
        for name in set(totals) | set(switches) | set(chats_now)
    ]
    usage.sort(key=lambda role: (-role.answers, role.role or ""))
    return RolesReport(range=time_range(window), roles=usage)
