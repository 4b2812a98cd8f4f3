"""Message entities as Telegram counts them: offsets and lengths in UTF-16 code units.

Pure functions: validate the entities a bot sends, strip a text the way Telegram
trims messages, and cut out the text an entity covers.
"""

from __future__ import annotations

from typing import Any, TypeGuard
from urllib.parse import urlsplit

Entity = dict[str, Any]

ENTITY_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)
MONOSPACE = frozenset({"code", "pre"})
# The fields each entity type may carry besides type, offset and length.
_EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "text_link": ("url",),
    "text_mention": ("user",),
    "pre": ("language",),
    "custom_emoji": ("custom_emoji_id",),
    "date_time": ("unix_time", "date_time_format"),
}


class EntityError(ValueError):
    """An entity list Telegram would refuse; the message is the reason after "can't parse entities: "."""


def utf16_length(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` that an entity at ``offset``/``length`` (UTF-16 units) covers."""
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


def is_valid_url(url: object) -> bool:
    """Whether ``url`` is an http(s) URL with a host, or a tg:// link, as Telegram accepts for text links."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return parts.scheme == "tg" and len(url) > len("tg://")


def normalize_entities(text: str, raw: object) -> list[Entity]:
    """Validate ``raw`` (the decoded ``entities`` parameter) against ``text``.

    Returns the entities with only their meaningful fields, sorted by offset (outer
    entities first). Raises :class:`EntityError` on an unknown type, a range outside
    the text, a missing type-specific field, partial overlaps, or anything nested
    inside code/pre.
    """
    if not isinstance(raw, list):
        raise EntityError("entities must be an array of MessageEntity objects")
    total = utf16_length(text)
    entities = [_normalize_one(item, index, total) for index, item in enumerate(raw)]
    entities = sort_entities(entities)
    check_nesting(entities)
    return entities


def _normalize_one(item: object, index: int, total: int) -> Entity:
    if not isinstance(item, dict):
        raise EntityError(f"entity {index} is not an object")
    kind = item.get("type")
    if kind not in ENTITY_TYPES:
        raise EntityError(f'unsupported entity type "{kind}" in entity {index}')
    offset, length = item.get("offset"), item.get("length")
    if not _is_int(offset) or offset < 0:
        raise EntityError(f"entity {index} has a wrong offset {offset!r}")
    if not _is_int(length) or length <= 0:
        raise EntityError(f"entity {index} has a wrong length {length!r}")
    if offset + length > total:
        raise EntityError(f"entity {index} ends at {offset + length}, beyond the text of {total} UTF-16 code units")
    entity: Entity = {"type": kind, "offset": offset, "length": length}
    for field in _EXTRA_FIELDS.get(str(kind), ()):
        if item.get(field) is not None:
            entity[field] = item[field]
    _check_fields(entity, index)
    return entity


def _check_fields(entity: Entity, index: int) -> None:
    kind = entity["type"]
    if kind == "text_link" and not is_valid_url(entity.get("url")):
        raise EntityError(f"wrong HTTP URL {entity.get('url')!r} in text_link entity {index}")
    if kind == "custom_emoji" and not (isinstance(entity.get("custom_emoji_id"), str) and entity["custom_emoji_id"]):
        raise EntityError(f"custom_emoji entity {index} needs a custom_emoji_id")
    if kind == "text_mention":
        user = entity.get("user")
        if not (isinstance(user, dict) and _is_int(user.get("id"))):
            raise EntityError(f"text_mention entity {index} needs a user with an id")
    if kind == "pre" and "language" in entity and not isinstance(entity["language"], str):
        raise EntityError(f"pre entity {index} has a language that is not a string")
    if kind == "date_time" and not _is_int(entity.get("unix_time")):
        raise EntityError(f"date_time entity {index} needs a unix_time")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Entities in Telegram's order: by offset, and an outer entity before the ones it contains.

    On the same range code/pre sorts last, so "bold monospace" reads as code inside bold.
    """
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], e["type"] in MONOSPACE))


def check_nesting(entities: list[Entity]) -> None:
    """Raise :class:`EntityError` if two entities partially overlap or code/pre contains another entity.

    ``entities`` must be sorted with :func:`sort_entities`.
    """
    for i, outer in enumerate(entities):
        outer_end = outer["offset"] + outer["length"]
        for inner in entities[i + 1 :]:
            if inner["offset"] >= outer_end:
                break
            if inner["offset"] + inner["length"] > outer_end:
                raise EntityError(f"entities {outer['type']} and {inner['type']} partially overlap")
            if outer["type"] in MONOSPACE:
                raise EntityError(f"{outer['type']} entity can't contain a {inner['type']} entity")


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim leading and trailing whitespace as Telegram does, moving and clipping entities to match.

    Entities left with no text are dropped.
    """
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_length(text[: len(text) - len(text.lstrip())])
    new_total = utf16_length(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, new_total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


class TextBuilder:
    """Accumulates plain text and the entities found while parsing a marked-up message."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.position = 0
        """The current length of the text in UTF-16 code units."""
        self.entities: list[Entity] = []

    def append(self, text: str) -> None:
        self._parts.append(text)
        self.position += utf16_length(text)

    def add_entity(self, kind: str, start: int, **fields: Any) -> None:
        """Add an entity from ``start`` to the current position; an empty one is dropped, as Telegram does."""
        if self.position > start:
            self.entities.append({"type": kind, "offset": start, "length": self.position - start, **fields})

    def text(self) -> str:
        return "".join(self._parts)
