"""Text with Telegram entities, and the bookkeeping between code points and UTF-16.

Telegram measures entity offsets and lengths in UTF-16 code units, where an
emoji or any other character beyond the Basic Multilingual Plane counts twice.
Python strings index code points, so the renderer and the splitter work with
``Span`` (code point positions) and convert to ``Entity`` (UTF-16) at the edge.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Entity:
    """One Telegram message entity; ``offset`` and ``length`` count UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None

    @property
    def end(self) -> int:
        """The UTF-16 offset just past the entity."""
        return self.offset + self.length


@dataclass(frozen=True)
class FormattedText:
    """Plain text plus the entities that format it, ready for ``sendMessage``."""

    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def utf16_length(self) -> int:
        """The length Telegram counts against its 4096 limit."""
        return utf16_length(self.text)


@dataclass(frozen=True)
class Span:
    """An entity located by code point positions ``[start, end)`` in a Python string."""

    type: str
    start: int
    end: int
    url: str | None = None
    language: str | None = None


SPLITTABLE_TYPES = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
"""Styles that may contain, and be part of, any other entity except code."""
CODE_TYPES = frozenset({"pre", "code"})
"""Monospace entities: they contain nothing and sit inside nothing but a blockquote."""
BLOCKQUOTE_TYPES = frozenset({"blockquote", "expandable_blockquote"})
CONTINUOUS_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)
"""Link-like entities: none of them may contain another, nor a blockquote."""
KNOWN_TYPES = SPLITTABLE_TYPES | CODE_TYPES | BLOCKQUOTE_TYPES | CONTINUOUS_TYPES


def nesting_rank(entity_type: str) -> int:
    """Where a type sits when two entities cover the same characters: outermost first."""
    if entity_type in BLOCKQUOTE_TYPES:
        return 0
    if entity_type in CONTINUOUS_TYPES:
        return 1
    if entity_type in SPLITTABLE_TYPES:
        return 2
    return 3


# Characters beyond the Basic Multilingual Plane: two UTF-16 code units each. The functions below
# find them with this pattern instead of looking at every character in Python: every preview of a
# streaming answer measures its whole text, and a per-character loop cost milliseconds per draft.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` takes."""
    return len(text) + len(_ASTRAL.findall(text))


def utf16_offsets(text: str) -> Sequence[int]:
    """``result[i]`` is the UTF-16 offset of code point ``i``; one extra item holds the total length."""
    astral = [match.start() for match in _ASTRAL.finditer(text)]
    if not astral:
        return range(len(text) + 1)  # every character is one unit: no table to build
    offsets = list(range(len(text) + 1))
    for extra, position in enumerate(astral, start=1):
        # Every offset after this character and up to the next one moves on by ``extra``.
        end = astral[extra] if extra < len(astral) else len(text)
        offsets[position + 1 : end + 1] = range(position + 1 + extra, end + 1 + extra)
    return offsets


def joined(first: FormattedText, second: FormattedText, separator: str = "\n\n") -> FormattedText:
    """``first`` and ``second`` as one text, ``separator`` between them (none when either is empty)."""
    if not first.text:
        return second
    if not second.text:
        return first
    head = first.text + separator
    shift = utf16_length(head)
    moved = tuple(replace(entity, offset=entity.offset + shift) for entity in second.entities)
    return FormattedText(head + second.text, first.entities + moved)


def spans_to_entities(text: str, spans: Iterable[Span]) -> tuple[Entity, ...]:
    """Convert code point spans over ``text`` into UTF-16 entities, outer entities first."""
    ordered = sorted(spans, key=lambda span: (span.start, -span.end, nesting_rank(span.type)))
    if not ordered:
        return ()
    offsets = utf16_offsets(text)
    return tuple(
        Entity(
            type=span.type,
            offset=offsets[span.start],
            length=offsets[span.end] - offsets[span.start],
            url=span.url,
            language=span.language,
        )
        for span in ordered
    )


def entities_to_spans(text: str, entities: Iterable[Entity]) -> list[Span]:
    """Convert UTF-16 entities over ``text`` into code point spans.

    An offset that falls inside a surrogate pair (an invalid entity) moves to the
    next whole character rather than raising.
    """
    offsets = utf16_offsets(text)
    return [
        Span(
            type=entity.type,
            start=bisect.bisect_left(offsets, entity.offset),
            end=bisect.bisect_left(offsets, entity.end),
            url=entity.url,
            language=entity.language,
        )
        for entity in entities
    ]


def is_indent(char: str) -> bool:
    """A space or tab: the whitespace a code line may legitimately begin with."""
    return char in " \t"


def tidy_spans(text: str, spans: Iterable[Span]) -> list[Span]:
    """Trim whitespace off both ends of every span and drop the spans left empty.

    A ``pre`` keeps the spaces that indent its first line (they are code), and a
    blockquote that held such a ``pre`` keeps starting where the ``pre`` starts,
    so trimming never turns nesting into a partial overlap.
    """
    trimmed: list[Span] = []
    for span in spans:
        start, end = max(0, span.start), min(len(text), span.end)
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace() and not (span.type == "pre" and is_indent(text[start])):
            start += 1
        if start < end:
            trimmed.append(replace(span, start=start, end=end))
    pres = sorted((span for span in trimmed if span.type == "pre"), key=lambda span: span.start)
    if not pres:
        return trimmed
    pre_starts = [pre.start for pre in pres]
    result: list[Span] = []
    for span in trimmed:
        # Code blocks never overlap, so only the last one starting before the span can hold its start.
        index = bisect.bisect_left(pre_starts, span.start) - 1
        if span.type != "pre" and index >= 0 and span.start < pres[index].end:
            span = replace(span, start=pres[index].start)
        result.append(span)
    return result


def slice_spans(spans: Sequence[Span], start: int, end: int) -> list[Span]:
    """The parts of ``spans`` inside ``[start, end)``, re-based to ``start`` (not yet trimmed)."""
    return [
        replace(span, start=max(span.start, start) - start, end=min(span.end, end) - start)
        for span in spans
        if span.start < end and span.end > start
    ]
