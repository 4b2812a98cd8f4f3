"""Model answers as Telegram messages: Markdown in, plain text plus entities out.

Sending Markdown with ``parse_mode`` loses the whole reply whenever a model
writes broken markup ("can't parse entities"). Instead we render the Markdown
ourselves into text and entities, which Telegram accepts as long as the
entities are valid, and split long answers into messages of at most 4096
UTF-16 code units.

    formatted = render_markdown(answer)
    for part in split_message(formatted):
        await bot.send_message(chat_id, part.text, entities=to_aiogram_entities(part.entities))

Everything here is pure; only :func:`to_aiogram_entities` touches aiogram, and
imports it lazily because the import is slow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from actors.telegram.formatting_markdown import render_markdown
from actors.telegram.formatting_rules import is_linkable_url, validate_entities
from actors.telegram.formatting_streaming import StreamingPreview, close_dangling_markup, preview
from actors.telegram.formatting_text import Entity, FormattedText
from actors.telegram.splitting import TELEGRAM_ENTITY_LIMIT, TELEGRAM_TEXT_LIMIT, keep_tail, split_message

if TYPE_CHECKING:
    from aiogram.types import MessageEntity

__all__ = [
    "TELEGRAM_ENTITY_LIMIT",
    "TELEGRAM_TEXT_LIMIT",
    "Entity",
    "FormattedText",
    "StreamingPreview",
    "close_dangling_markup",
    "is_linkable_url",
    "keep_tail",
    "plain_text",
    "preview",
    "render_markdown",
    "split_message",
    "to_aiogram_entities",
    "validate_entities",
]


def plain_text(formatted: FormattedText) -> str:
    """The text alone, for when Telegram refuses the entities anyway."""
    return formatted.text


def to_aiogram_entities(entities: Iterable[Entity]) -> list[MessageEntity]:
    """Convert entities into aiogram's ``MessageEntity`` objects for ``send_message(entities=...)``."""
    from aiogram.types import MessageEntity

    return [
        MessageEntity(
            type=entity.type,
            offset=entity.offset,
            length=entity.length,
            url=entity.url,
            language=entity.language,
        )
        for entity in entities
    ]
