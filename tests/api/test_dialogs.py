"""The dialog list (pages, search) and one dialog's messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api import expected
from tests.api.dataset import FORGOTTEN_USER, History
from tests.api.test_summary import iso

pytestmark = pytest.mark.anyio


async def walk(client: httpx.AsyncClient, limit: int, **params: str) -> list[dict[str, Any]]:
    """Every page of the dialog list, following the cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/dialogs", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursors never ended")


@pytest.mark.parametrize("limit", [1, 3, 7, 200])
async def test_walking_the_pages_gives_every_dialog_once_newest_first(
    client: httpx.AsyncClient, history: History, limit: int
) -> None:
    items = await walk(client, limit)
    assert [item["chat_id"] for item in items] == expected.dialog_order(history)


@pytest.mark.parametrize("sort", ["activity", "messages", "cost"])
@pytest.mark.parametrize("order", ["desc", "asc"])
@pytest.mark.parametrize("limit", [2, 9])
async def test_each_sort_pages_through_every_dialog_once_in_its_order(
    client: httpx.AsyncClient, history: History, sort: str, order: str, limit: int
) -> None:
    items = await walk(client, limit, sort=sort, order=order)
    assert [item["chat_id"] for item in items] == expected.dialog_order(history, sort, order)


async def test_a_cursor_only_continues_the_sort_it_came_from(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api/v1/dialogs", params={"limit": "2", "sort": "cost"})).json()
    response = await client.get("/api/v1/dialogs", params={"cursor": page["next_cursor"], "sort": "messages"})
    assert response.status_code == 422
    assert "another sort order" in response.text


ACTIVE_RANGES = [
    (datetime(2026, 3, 7, 12, tzinfo=UTC), datetime(2026, 3, 7, 13, tzinfo=UTC)),  # minute and hour tiles
    (datetime(2026, 3, 6, 5, 17, tzinfo=UTC), datetime(2026, 3, 9, 19, 3, tzinfo=UTC)),  # and days
    (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)),  # nobody
]


@pytest.mark.parametrize(("start", "end"), ACTIVE_RANGES)
@pytest.mark.parametrize("sort", ["activity", "messages"])
async def test_a_range_lists_the_dialogs_where_a_user_wrote_in_it(
    client: httpx.AsyncClient, history: History, start: datetime, end: datetime, sort: str
) -> None:
    items = await walk(client, 3, sort=sort, **{"from": iso(start), "to": iso(end)})
    active = expected.dialogs_active(history, start, end)
    assert [item["chat_id"] for item in items] == [c for c in expected.dialog_order(history, sort) if c in active]
    summary = (await client.get("/api/v1/summary", params={"from": iso(start), "to": iso(end)})).json()
    assert len(items) == summary["chats"]["active"]


async def test_a_range_and_a_search_together_need_both(client: httpx.AsyncClient, history: History) -> None:
    start, end = ACTIVE_RANGES[1]
    found = {item["chat_id"] for item in await walk(client, 50, q="book", **{"from": iso(start), "to": iso(end)})}
    assert found == expected.dialogs_matching(history, "book") & expected.dialogs_active(history, start, end)
    assert found


async def test_a_dialog_carries_its_chat_user_and_totals(client: httpx.AsyncClient, history: History) -> None:
    items = {item["chat_id"]: item for item in await walk(client, 200)}
    totals = expected.chat_totals(history)
    users = {user["id"]: user for user in history.users}
    for chat in history.chats:
        item = items[chat["id"]]
        assert (item["type"], item["title"], item["role"]) == (chat["type"], chat["title"], chat["role"])
        assert item["last_activity_at"].replace("Z", "+00:00") == chat["last_activity_at"].isoformat()
        assert item["created_at"].replace("Z", "+00:00") == chat["created_at"].isoformat()
        want = totals.get(chat["id"], {"messages_in": 0, "messages_out": 0, "cost": 0})
        assert (item["messages_in"], item["messages_out"]) == (want["messages_in"], want["messages_out"])
        assert item["cost_usd"] == pytest.approx(float(want["cost"]), rel=1e-12)
        user = users.get(chat["id"]) if chat["type"] == "private" else None
        assert item["user"] == (
            None if user is None else {k: user[k] for k in ("username", "first_name", "last_name")} | {"id": user["id"]}
        )


async def test_new_activity_does_not_shift_the_pages_still_ahead(
    client: httpx.AsyncClient, history: History, app: Any
) -> None:
    first = (await client.get("/api/v1/dialogs", params={"limit": "4"})).json()
    async with app.state.engine.begin() as db:
        await db.exec_driver_sql(
            "INSERT INTO chats (id, type, created_at, last_activity_at) VALUES (777, 'private', now(), now())"
        )
    try:
        rest = await walk(client, 4, cursor=first["next_cursor"])
    finally:
        async with app.state.engine.begin() as db:
            await db.exec_driver_sql("DELETE FROM chats WHERE id = 777")
    ids = [item["chat_id"] for item in first["items"] + rest]
    assert ids == expected.dialog_order(history)


@pytest.mark.parametrize(
    "query",
    [
        "anna",
        "ANNA",
        "Karenina",
        "anna karenina",
        "book",
        "team_x%",
        "%",
        "_",
        "50%",
        "under_score",
        "r_s",
        "\\",
        "1003",
        "1011",
        "-100500",
        "nobody",
    ],
)
async def test_search_by_name_or_id_finds_exactly_the_matching_dialogs(
    client: httpx.AsyncClient, history: History, query: str
) -> None:
    items = await walk(client, 5, q=query)
    found = [item["chat_id"] for item in items]
    assert set(found) == expected.dialogs_matching(history, query)
    assert found == [chat for chat in expected.dialog_order(history) if chat in set(found)]


@pytest.mark.parametrize("needle", ["pirates", "100%", "snake_case", "e_c", "%", "back\\slash", "#1", "no such text"])
async def test_search_by_text_takes_wildcards_literally(
    client: httpx.AsyncClient, history: History, needle: str
) -> None:
    found = {item["chat_id"] for item in await walk(client, 50, text=needle)}
    assert found == expected.dialogs_with_text(history, needle)


async def test_search_by_name_and_text_together_needs_both(client: httpx.AsyncClient, history: History) -> None:
    found = {item["chat_id"] for item in await walk(client, 50, q="anna", text="pirates")}
    assert found == expected.dialogs_matching(history, "anna") & expected.dialogs_with_text(history, "pirates")


async def test_a_dialogs_messages_come_newest_first_with_what_each_answer_cost(
    client: httpx.AsyncClient, history: History
) -> None:
    chat_id = -100500
    # The rows were inserted in the order generated, so ids follow it; newest first is that order reversed.
    rows = [m for m in history.surviving_messages() if m["chat_id"] == chat_id][::-1]
    received: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "7", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/api/v1/dialogs/{chat_id}/messages", params=params)).json()
        assert page["dialog"]["chat_id"] == chat_id
        received += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    ids = [item["id"] for item in received]
    assert ids == sorted(ids, reverse=True)
    assert len(received) == len(rows)
    for item, row in zip(received, rows, strict=True):
        assert (item["text"], item["author"]) == (row["text"], row["author"])
        assert item["created_at"].replace("Z", "+00:00") == row["created_at"].isoformat()
        assert (item["direction"], item["user_id"], item["role"], item["model"]) == (
            row["direction"],
            row["user_id"],
            row["role"],
            row["model"],
        )
        assert (item["is_fallback"], item["latency_ms"]) == (row["is_fallback"], row["latency_ms"])
        assert item["cost_usd"] == (None if row["cost"] is None else pytest.approx(float(row["cost"]), rel=1e-12))


async def test_a_forgotten_users_messages_are_gone_but_their_dialog_keeps_its_totals(
    client: httpx.AsyncClient, history: History
) -> None:
    page = (await client.get(f"/api/v1/dialogs/{FORGOTTEN_USER}/messages")).json()
    assert page["items"] == []
    assert page["dialog"]["messages_in"] == expected.chat_totals(history)[FORGOTTEN_USER]["messages_in"] > 0


async def test_an_unknown_dialog_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/dialogs/424242/messages")
    assert response.status_code == 404
    assert response.json() == {"detail": "no chat 424242"}
