"""What the Bot API method handlers share: their context, signature, and chat/markup helpers."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram.entities import is_valid_url
from tests.fakes.telegram.errors import BotApiError, bad_request, too_many_requests
from tests.fakes.telegram.formatting import FormattedText, format_text
from tests.fakes.telegram.params import Params
from tests.fakes.telegram.state import BotState, ChatRecord

if TYPE_CHECKING:
    from tests.fakes.telegram.webhook import WebhookSender


@dataclass
class BotContext:
    """What a Bot API method may use: the bot's state and its webhook sender."""

    state: BotState
    webhook: WebhookSender


Handler = Callable[[BotContext, Params], Awaitable[Any]]

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def default_chat_payload(chat_id: int) -> dict[str, Any]:
    """A plausible Chat for an id the fake has not seen: a user if positive, a supergroup if negative."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": f"Group {-chat_id}"}


def chat_for_sending(state: BotState, chat_id: int) -> ChatRecord:
    """The chat a bot writes to; 403 if the user blocked the bot."""
    chat = state.ensure_chat(chat_id, lambda: default_chat_payload(chat_id))
    if chat.blocked:
        raise BotApiError(403, "Forbidden: bot was blocked by the user")
    return chat


def known_chat(state: BotState, chat_id: int) -> ChatRecord:
    chat = state.chat(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    return chat


def formatted_text(state: BotState, params: Params, *, allow_empty: bool) -> FormattedText:
    """The text/parse_mode/entities parameters, parsed and validated (or refused on the test's request)."""
    if "entities" in params or "parse_mode" in params:
        refusal = state.check_entity_refusal()
        if refusal is not None:
            raise refusal
    return format_text(
        params.string("text"),
        parse_mode=params.string("parse_mode"),
        entities=params.json("entities"),
        allow_empty=allow_empty,
    )


def admit_send(state: BotState, chat_id: int) -> None:
    """Apply flood control to a message send or edit."""
    retry_after = state.flood.admit(chat_id, time.monotonic())
    if retry_after is not None:
        raise too_many_requests(retry_after)


def reply_markup(params: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    """The validated ``reply_markup``; None when absent."""
    markup = params.json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif inline_only:
        raise bad_request("inline keyboard expected")
    elif not any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _check_inline_keyboard(rows: object) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardMarkup must be an Array of Arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request(
                    "can't parse inline keyboard button: text buttons are unallowed in the inline keyboard"
                )
            actions = [key for key in _BUTTON_ACTIONS if key in button]
            if len(actions) != 1:
                raise bad_request("can't parse inline keyboard button: exactly one of the optional fields must be used")
            data = button.get("callback_data")
            if "callback_data" in button and not (isinstance(data, str) and 1 <= len(data.encode()) <= 64):
                raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not is_valid_url(button["url"]):
                raise bad_request("BUTTON_URL_INVALID")
