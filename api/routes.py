"""The ``/api/v1`` routes: parameters in, typed models out; the SQL lives in ``api.queries``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api import queries
from api.auth import require_token
from api.params import (
    BIGINT_MAX,
    BIGINT_MIN,
    Range,
    check_bucket_count,
    optional_time_range,
    search_text,
    time_range,
    time_zone,
)
from api.queries.dialogs import DialogFilter
from api.queries.series import to_json
from api.schemas import (
    Bucket,
    DialogMessages,
    DialogPage,
    DialogSort,
    ErrorMessage,
    ModelsReport,
    RolesReport,
    SortOrder,
    Summary,
    TimeSeries,
    TopUsers,
)
from db.catch_up import catch_up

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorMessage, "description": "Missing or wrong bearer token."},
    503: {"model": ErrorMessage, "description": "The database is unreachable or the query took too long."},
}

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)], responses=ERRORS)


INSUFFICIENT_PRIVILEGE = "42501"
CANNOT_CATCH_UP = (
    "the statistics cannot be brought up to date: the stats API's database role may not write the rollup "
    "tables; grant it INSERT and UPDATE on the stats_* tables (or run the API as the bot's role)"
)


async def connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A read-only connection whose queries all see one snapshot, so the figures of a response agree."""
    engine: AsyncEngine = request.app.state.engine
    try:
        await catch_up(engine)  # count every row committed before this request
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=CANNOT_CATCH_UP) from None
    async with engine.connect() as db:
        await db.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield db


Db = Annotated[AsyncConnection, Depends(connection)]


def json_response(model: BaseModel) -> Response:
    """The model as JSON, built and validated once (FastAPI would validate a returned model again)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


Window = Annotated[Range, Depends(time_range)]


@router.get("/summary", summary="Headline figures of a time range", response_model=Summary)
async def get_summary(window: Window, db: Db) -> Response:
    """Users, chats, messages, answers, model requests, incidents, tokens and cost in ``[from, to)``."""
    return json_response(await queries.summary(db, window))


@router.get("/timeseries", summary="Figures per minute, hour or day", response_model=TimeSeries)
async def get_time_series(
    window: Window,
    db: Db,
    zone: Annotated[ZoneInfo, Depends(time_zone)],
    bucket: Annotated[
        Bucket, Query(description="Bucket size: `minute` (ranges up to 2 days), `hour` (125 days) or `day`.")
    ] = Bucket.HOUR,
) -> Response:
    """Every bucket of the range in order, aligned to local time in ``tz``."""
    check_bucket_count(window, bucket)
    document = await queries.time_series(db, window, bucket, zone)
    return Response(to_json(document), media_type="application/json")


@router.get("/dialogs", summary="Dialogs, sorted and searched", response_model=DialogPage)
async def list_dialogs(
    db: Db,
    active_in: Annotated[Range | None, Depends(optional_time_range)],
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Find dialogs by a user's name or @username, a group title (substring, any case), "
            "or by a chat or user id (exact).",
        ),
    ] = None,
    text: Annotated[
        str | None,
        Query(max_length=200, description="Find dialogs with a message containing this text (any case)."),
    ] = None,
    sort: Annotated[
        DialogSort,
        Query(
            description="`activity` (latest message), `messages` (sent and answered, ever) or `cost` (ever). "
            "Chats with neither a message nor a request come last in the last two, whichever the order."
        ),
    ] = DialogSort.ACTIVITY,
    order: Annotated[SortOrder, Query(description="`desc` (largest or newest first) or `asc`.")] = SortOrder.DESC,
) -> Response:
    """Walk the pages with ``cursor``, which keeps the sort; new activity does not shift the pages ahead."""
    where = DialogFilter(search_text(q, "q"), search_text(text, "text"), active_in)
    page = await queries.dialogs(db, limit=limit, cursor=cursor, where=where, sort=sort, order=order)
    return json_response(page)


@router.get(
    "/dialogs/{chat_id}/messages",
    summary="One dialog's messages",
    response_model=DialogMessages,
    responses={404: {"model": ErrorMessage, "description": "No such chat."}},
)
async def dialog_messages(
    db: Db,
    chat_id: Annotated[int, Path(ge=BIGINT_MIN, le=BIGINT_MAX, description="Telegram chat id.")],
    limit: Annotated[int, Query(ge=1, le=500, description="Page size (at most 500).")] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
) -> Response:
    """The chat, then its messages newest first, with the model, latency and cost of every answer."""
    found = await queries.dialog_messages(db, chat_id, limit=limit, cursor=cursor)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no chat {chat_id}")
    return json_response(found)


@router.get("/users/top", summary="Top users by messages and by cost", response_model=TopUsers)
async def top_users(
    window: Window,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=100, description="Length of each list (at most 100).")] = 10,
) -> Response:
    """The users who wrote most, and those who cost most, in ``[from, to)``."""
    return json_response(await queries.top_users(db, window, limit=limit))


@router.get("/models", summary="Model health: breaker states, requests, events, incidents", response_model=ModelsReport)
async def models(
    request: Request,
    window: Window,
    db: Db,
    events: Annotated[
        int, Query(ge=0, le=200, description="How many of each model's latest events in the range to list.")
    ] = 20,
) -> Response:
    """Each model's current breaker state, its requests by outcome and events in the range, and the incidents."""
    settings = request.app.state.settings
    configured = {settings.llm_primary_model: "primary", settings.llm_fallback_model: "fallback"}
    return json_response(await queries.models(db, window, configured=configured, events_per_model=events))


@router.get("/roles", summary="Usage by role", response_model=RolesReport)
async def roles(window: Window, db: Db) -> Response:
    """Answers, requests, tokens and cost per role in the range; switches to it; chats using it now."""
    return json_response(await queries.roles(db, window))
