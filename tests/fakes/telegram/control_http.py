"""The control API over HTTP: ``POST /_control/{name}`` with JSON arguments (or GET with a query string).

Answers ``{"result": ...}``, or ``{"error": "ClassName", "message": "..."}`` with status
400 (408 for a wait that timed out), so :class:`FakeTelegramClient` can raise the same
exception the in-process fake raises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from aiohttp import web

from tests.fakes.telegram.errors import BotApiError, FakeTelegramError, FakeTimeout
from tests.fakes.telegram.models import ChatType, MessageKind, User
from tests.fakes.telegram.params import Params
from tests.fakes.telegram.server import read_params

if TYPE_CHECKING:
    from tests.fakes.telegram.fake import FakeTelegram

Route = Callable[["FakeTelegram", Params], Awaitable[Any]]


def to_json(value: Any) -> Any:
    """Dataclasses (and lists of them) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


def _compact(items: list[Any]) -> list[Any]:
    """Timings as JSON arrays (see their ``to_json``): a fraction of the size of objects."""
    return [item.to_json() for item in items]


def _user(params: Params) -> User | None:
    data = params.json("user")
    return None if data is None else User.from_dict(data)


def _timeout(params: Params) -> float:
    return params.number("timeout", 10.0)


def _send_message(fake: FakeTelegram, p: Params) -> Awaitable[int]:
    return fake.send_message(
        p.required_integer("chat_id"),
        p.string("text"),
        user=_user(p),
        chat_type=cast("ChatType | None", p.string("chat_type")),
        title=p.string("title"),
        entities=p.json("entities"),
        caption=p.string("caption"),
        caption_entities=p.json("caption_entities"),
        kind=cast("MessageKind", p.string("kind") or "text"),
        reply_to_message_id=p.integer("reply_to_message_id"),
        mention_bot=p.flag("mention_bot"),
    )


def _fail_next(fake: FakeTelegram, p: Params) -> Awaitable[None]:
    return fake.fail_next(
        p.string("method", required=True) or "",
        p.integer("times") or 1,
        status=p.integer("status") or 500,
        description=p.string("description"),
        retry_after=p.integer("retry_after"),
        raw_body=p.string("raw_body"),
        after_effect=p.flag("after_effect"),
    )


def _flood_control(fake: FakeTelegram, p: Params) -> Awaitable[None]:
    return fake.flood_control(
        p.flag("enabled") if "enabled" in p else True,
        per_chat_per_second=p.number("per_chat_per_second", 1.0),
        burst=p.integer("burst") or 3,
        per_group_per_minute=p.integer("per_group_per_minute") or 20,
        global_per_second=p.integer("global_per_second") or 30,
    )


ROUTES: dict[str, Route] = {
    # Simulating users
    "send_message": _send_message,
    "edit_user_message": lambda f, p: f.edit_user_message(
        p.required_integer("chat_id"),
        p.required_integer("message_id"),
        p.string("text", required=True) or "",
        entities=p.json("entities"),
    ),
    "send_channel_post": lambda f, p: f.send_channel_post(
        p.required_integer("chat_id"),
        p.string("text", required=True) or "",
        title=p.string("title") or "Channel",
        entities=p.json("entities"),
    ),
    "send_raw_update": lambda f, p: f.send_raw_update(
        p.json("update"), ignore_allowed_updates=p.flag("ignore_allowed_updates")
    ),
    "press_button": lambda f, p: f.press_button(
        p.required_integer("chat_id"), p.required_integer("message_id"), p.string("data") or "", user=_user(p)
    ),
    "press_stop": lambda f, p: f.press_stop(p.required_integer("chat_id"), p.required_integer("draft_id")),
    "delete_message": lambda f, p: f.delete_message(p.required_integer("chat_id"), p.required_integer("message_id")),
    "block_bot": lambda f, p: f.block_bot(p.required_integer("chat_id")),
    "unblock_bot": lambda f, p: f.unblock_bot(p.required_integer("chat_id")),
    # Faults
    "fail_next": _fail_next,
    "flood_control": _flood_control,
    "refuse_drafts": lambda f, p: f.refuse_drafts(
        p.required_integer("chat_id"), p.flag("refuse") if "refuse" in p else True
    ),
    "refuse_entities": lambda f, p: f.refuse_entities(p.integer("times") or 1),
    "set_latency": lambda f, p: f.set_latency(p.number("seconds", 0.0)),
    "come_up": lambda f, p: f.come_up(),
    "reset": lambda f, p: f.reset(),
    # Inspection
    "info": lambda f, p: _info(f),
    "messages": lambda f, p: f.messages(p.required_integer("chat_id")),
    "bot_messages": lambda f, p: f.bot_messages(p.required_integer("chat_id")),
    "drafts": lambda f, p: f.drafts(p.required_integer("chat_id")),
    "current_draft": lambda f, p: f.current_draft(p.required_integer("chat_id")),
    "calls": lambda f, p: f.calls(p.string("method"), chat_id=p.integer("chat_id")),
    "call_timings": lambda f, p: _timings(f.call_timings(p.integer("since") or 0)),
    "update_timings": lambda f, p: _timings(f.update_timings()),
    "commands": lambda f, p: f.commands(),
    "pending_updates": lambda f, p: f.pending_updates(),
    "callback_answers": lambda f, p: f.callback_answers(),
    "webhook_deliveries": lambda f, p: f.webhook_deliveries(),
    # Waiting (long polls)
    "wait/bot_messages": lambda f, p: f.wait_for_bot_messages(
        p.required_integer("chat_id"), p.integer("count") or 1, timeout=_timeout(p)
    ),
    "wait/edits": lambda f, p: f.wait_for_edits(
        p.required_integer("chat_id"), p.required_integer("message_id"), p.integer("count") or 1, timeout=_timeout(p)
    ),
    "wait/drafts": lambda f, p: f.wait_for_drafts(
        p.required_integer("chat_id"), p.integer("count") or 1, timeout=_timeout(p)
    ),
    "wait/calls": lambda f, p: f.wait_for_calls(
        p.string("method", required=True) or "",
        p.integer("count") or 1,
        chat_id=p.integer("chat_id"),
        timeout=_timeout(p),
    ),
    "wait/callback_answers": lambda f, p: f.wait_for_callback_answers(p.integer("count") or 1, timeout=_timeout(p)),
    "wait/webhook_deliveries": lambda f, p: f.wait_for_webhook_deliveries(
        p.integer("count") or 1, ok_only=p.flag("ok_only"), timeout=_timeout(p)
    ),
    "wait/polling": lambda f, p: f.wait_for_polling(timeout=_timeout(p)),
    "wait/no_pending_updates": lambda f, p: f.wait_for_no_pending_updates(timeout=_timeout(p)),
}


async def _timings(found: Awaitable[list[Any]]) -> list[Any]:
    return _compact(await found)


async def _info(fake: FakeTelegram) -> dict[str, Any]:
    return {"url": fake.url, "control_url": fake.control_url, "token": fake.token, "down": fake.down}


def _error(error: Exception, status: int) -> web.Response:
    return web.json_response({"error": type(error).__name__, "message": str(error)}, status=status)


def add_control_routes(app: web.Application, fake: FakeTelegram) -> None:
    """Mount /_control/{name} for every control method of ``fake``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name == "go_down":
            # Keep this request's own connection to answer it, then close it: the server is down.
            await fake.go_down(spare=request.transport)
            response = web.json_response({"result": None})
            response.force_close()
            return response
        route = ROUTES.get(name)
        if route is None:
            return web.json_response({"error": "ControlRequestError", "message": f"no control {name!r}"}, status=404)
        try:
            result = await route(fake, Params(await read_params(request)))
        except FakeTimeout as error:
            return _error(error, 408)
        except (FakeTelegramError, ValueError, TypeError, KeyError) as error:
            return _error(error, 400)
        except BotApiError as error:
            return _error(ValueError(error.description), 400)
        return web.json_response({"result": to_json(result)})

    app.router.add_route("*", "/_control/{name:.+}", handle)
