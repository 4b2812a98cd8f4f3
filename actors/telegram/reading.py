"""Reading updates one by one, so that one Telegram sends but aiogram cannot read stops nothing.

aiogram's ``getUpdates`` turns the whole batch into models at once: a single
update with a missing or mistyped field (or of a kind newer than this aiogram)
fails the batch, which then comes back on every call. We ask for the batch as
plain JSON and read each update by itself; an unreadable one is recorded as it
came and skipped.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from pydantic import ValidationError


class GetRawUpdates(GetUpdates):
    """``getUpdates`` with the updates left as JSON objects."""

    __returning__ = list[dict[str, Any]]


class UnreadableUpdate:
    """An update as Telegram sent it, which aiogram cannot read."""

    def __init__(self, update_id: int, payload: dict[str, Any], reason: str) -> None:
        self.update_id = update_id
        self.payload = payload
        self.reason = reason


def update_id_of(payload: object) -> int | None:
    """The update's id, if it has a usable one."""
    if isinstance(payload, dict):
        value = payload.get("update_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def read_update(payload: object, bot: Bot) -> Update | UnreadableUpdate | None:
    """The update as aiogram's model; else what can be kept of it; None without an ``update_id``."""
    update_id = update_id_of(payload)
    if update_id is None:
        return None
    assert isinstance(payload, dict)
    try:
        update = Update.model_validate(payload, context={"bot": bot})
        update.event_type  # noqa: B018  (raises for a kind of update this aiogram does not know)
    except ValidationError as exc:
        fields = sorted({".".join(str(part) for part in error["loc"]) for error in exc.errors()})
        return UnreadableUpdate(update_id, payload, "invalid " + ", ".join(fields[:5]))
    except UpdateTypeLookupError:
        kinds = sorted(key for key in payload if key != "update_id")
        return UnreadableUpdate(update_id, payload, "unknown kind " + ", ".join(kinds[:5]))
    return update
