"""Small readers for formatted text, so tests can state what a user sees."""

from __future__ import annotations

from actors.telegram.formatting import Entity, FormattedText, validate_entities


def covered(formatted: FormattedText, entity: Entity) -> str:
    """The characters an entity covers, found by its UTF-16 offset and length."""
    units = formatted.text.encode("utf-16-le")
    return units[2 * entity.offset : 2 * entity.end].decode("utf-16-le")


def styled(formatted: FormattedText) -> list[tuple[str, str]]:
    """(entity type, covered text) pairs in the order the entities come."""
    return [(entity.type, covered(formatted, entity)) for entity in formatted.entities]


def assert_valid(formatted: FormattedText) -> None:
    assert validate_entities(formatted) == [], (formatted, validate_entities(formatted))
