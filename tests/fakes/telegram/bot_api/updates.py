"""getUpdates (real long polling) and the webhook methods."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram.bot_api.common import BotContext
from tests.fakes.telegram.entities import is_valid_url
from tests.fakes.telegram.errors import BotApiError, FakeTimeout, bad_request
from tests.fakes.telegram.params import Params
from tests.fakes.telegram.state import BotState, WebhookConfig

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


def _remember_allowed_updates(state: BotState, params: Params) -> None:
    allowed = params.json("allowed_updates")
    if allowed is None:
        return  # Telegram keeps the previous setting
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed_updates JSON array")
    state.allowed_updates = frozenset(allowed)


async def get_updates(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    if state.webhook is not None:
        raise BotApiError(409, WEBHOOK_ACTIVE)
    offset = params.integer("offset")
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = max(params.number("timeout", 0.0), 0.0)
    _remember_allowed_updates(state, params)
    if offset is not None:
        state.confirm(offset)
    ticket = state.start_poll()

    def ready() -> list[dict[str, Any]] | None:
        if ticket.terminated_by is not None:
            raise BotApiError(409, f"Conflict: terminated by {ticket.terminated_by}")
        return state.updates[:limit] or None

    try:
        updates = await state.changes.wait_value(ready, timeout=timeout)
        state.mark_delivered(updates)
        return updates
    except FakeTimeout:
        return []
    finally:
        state.end_poll(ticket)


async def set_webhook(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    url = params.string("url") or ""
    if not url:
        return await delete_webhook(ctx, params)
    if not is_valid_url(url) or not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: invalid webhook URL specified")
    secret = params.string("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    _remember_allowed_updates(state, params)
    if params.flag("drop_pending_updates"):
        state.confirm(state.next_update_id)
    state.webhook = WebhookConfig(url=url, secret_token=secret, max_connections=params.integer("max_connections") or 40)
    state.terminate_poll("setWebhook request")
    state.changes.notify()
    ctx.webhook.start()
    return True


async def delete_webhook(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    if params.flag("drop_pending_updates"):
        state.confirm(state.next_update_id)
    state.webhook = None
    state.changes.notify()
    await ctx.webhook.stop()
    return True


async def get_webhook_info(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    webhook = state.webhook
    info: dict[str, Any] = {
        "url": "" if webhook is None else webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        info["ip_address"] = "127.0.0.1"
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    if state.allowed_updates:
        info["allowed_updates"] = sorted(state.allowed_updates)
    return info
