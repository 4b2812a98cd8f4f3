"""Short service replies ("one moment...", "slow down...", "this bot is private"), off the dialog's path.

A chat's dialog actor may be busy streaming a long answer; a notice must not
wait behind it. Each chat gets a tiny notice actor (passivated when idle) with a
small drop-oldest mailbox: a flood of notices keeps only the newest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from actors.chat.messages import Where
from actors.telegram.courier import Courier, Undeliverable
from actors.telegram.formatting import FormattedText
from runtime import Actor

log = logging.getLogger("assistant.telegram")


@dataclass(frozen=True, slots=True)
class Notice:
    update_id: int
    where: Where
    text: str
    reply_to: int | None = None
    callback_id: str | None = None
    """Answer this button press with ``text`` (a short pop-up) instead of sending a message."""


class NoticeActor(Actor[Notice, None]):
    def __init__(self, courier: Courier) -> None:
        self.courier = courier

    async def receive(self, message: Notice) -> None:
        if message.callback_id is not None:
            await self.courier.answer_button(message.callback_id, message.text)
            return
        try:
            await self.courier.send(
                message.where.chat_id,
                FormattedText(message.text, ()),
                reply_to=message.reply_to,
                thread_id=message.where.thread_id,
            )
        except Undeliverable as exc:
            log.info("notice to chat %s undeliverable: %s", message.where.chat_id, exc)


def notice_factory(courier: Courier) -> Any:
    return lambda chat_id: NoticeActor(courier)
