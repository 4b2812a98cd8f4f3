"""getMe, getChat, callback answers, chat actions, commands and the menu button."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from tests.fakes.telegram.bot_api.common import BotContext, chat_for_sending, known_chat
from tests.fakes.telegram.errors import bad_request
from tests.fakes.telegram.models import CallbackAnswer, CommandSet
from tests.fakes.telegram.params import Params

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_DEFAULT_SCOPE: dict[str, Any] = {"type": "default"}


async def get_me(ctx: BotContext, params: Params) -> Any:
    return {
        **ctx.state.bot_user.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


async def get_chat(ctx: BotContext, params: Params) -> Any:
    chat = known_chat(ctx.state, params.chat_id())
    return {
        **chat.payload,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


async def answer_callback_query(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    query_id = params.string("callback_query_id", required=True) or ""
    if state.callback_queries.get(query_id, True):
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    state.callback_queries[query_id] = True
    state.callback_answers.append(
        CallbackAnswer(
            callback_query_id=query_id,
            text=params.string("text"),
            show_alert=params.flag("show_alert"),
            url=params.string("url"),
            at=time.monotonic(),
        )
    )
    state.changes.notify()
    return True


async def send_chat_action(ctx: BotContext, params: Params) -> Any:
    chat_for_sending(ctx.state, params.chat_id())
    if params.string("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True  # the call record is what tests look at


def _command_key(params: Params) -> tuple[str, str, dict[str, Any]]:
    scope = params.json("scope") or _DEFAULT_SCOPE
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), params.string("language_code") or "", scope


async def set_my_commands(ctx: BotContext, params: Params) -> Any:
    commands = params.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON array")
    cleaned: list[dict[str, str]] = []
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        description = command.get("description") if isinstance(command, dict) else None
        if not isinstance(name, str) or not _COMMAND.fullmatch(name.removeprefix("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name.removeprefix("/"), "description": description})
    scope_key, language, scope = _command_key(params)
    ctx.state.commands[(scope_key, language)] = CommandSet(scope=scope, language_code=language, commands=cleaned)
    ctx.state.changes.notify()
    return True


async def get_my_commands(ctx: BotContext, params: Params) -> Any:
    scope_key, language, _scope = _command_key(params)
    found = ctx.state.commands.get((scope_key, language)) or ctx.state.commands.get((scope_key, ""))
    return [] if found is None else found.commands


async def delete_my_commands(ctx: BotContext, params: Params) -> Any:
    scope_key, language, _scope = _command_key(params)
    ctx.state.commands.pop((scope_key, language), None)
    ctx.state.changes.notify()
    return True


async def set_chat_menu_button(ctx: BotContext, params: Params) -> Any:
    button = params.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    ctx.state.menu_buttons[params.integer("chat_id")] = button
    ctx.state.changes.notify()
    return True


async def get_chat_menu_button(ctx: BotContext, params: Params) -> Any:
    buttons = ctx.state.menu_buttons
    return buttons.get(params.integer("chat_id"), buttons.get(None, {"type": "default"}))


async def accept(ctx: BotContext, params: Params) -> Any:
    """For settings the fake only records (bot name, descriptions)."""
    return True
