"""Turn a bot's text + parse_mode/entities into what the user sees, with Telegram's checks."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.telegram.entities import (
    Entity,
    EntityError,
    check_nesting,
    normalize_entities,
    sort_entities,
    strip_text,
    utf16_length,
)
from tests.fakes.telegram.errors import bad_request, cant_parse_entities
from tests.fakes.telegram.html_mode import parse_html
from tests.fakes.telegram.markdown_mode import parse_markdown, parse_markdown_v2

MAX_TEXT_LENGTH = 4096
_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


@dataclass(frozen=True)
class FormattedText:
    """Plain text and its entities, exactly as a Telegram client would render them."""

    text: str
    entities: list[Entity]


def format_text(
    text: str | None,
    *,
    parse_mode: str | None = None,
    entities: object | None = None,
    allow_empty: bool = False,
) -> FormattedText:
    """Parse and validate a message text as Telegram does for sendMessage/editMessageText/drafts.

    ``entities`` (the decoded JSON parameter) wins over ``parse_mode``. The result is
    trimmed of surrounding whitespace. Raises BotApiError 400 "can't parse entities: ...",
    "message text is empty" (unless ``allow_empty``) or "message is too long"
    (over 4096 UTF-16 code units).
    """
    raw = text or ""
    try:
        if entities is not None:
            plain, found = raw, normalize_entities(raw, entities)
        elif parse_mode:
            parser = _PARSERS.get(parse_mode.lower())
            if parser is None:
                raise bad_request(f"unsupported parse_mode {parse_mode!r}")
            plain, found = parser(raw)
            found = sort_entities(found)
            check_nesting(found)
        else:
            plain, found = raw, []
    except EntityError as error:
        raise cant_parse_entities(str(error)) from None
    plain, found = strip_text(plain, found)
    if not plain and not allow_empty:
        raise bad_request("message text is empty")
    if utf16_length(plain) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return FormattedText(plain, found)
