"""Split formatted text into messages Telegram accepts, or keep the tail that fits one.

Sizes count UTF-16 code units, as Telegram does. Cuts fall only between code
points, so a surrogate pair is never split, and preferably between blocks,
then at a line break, a sentence end, a space, and only then anywhere (still
not inside an emoji sequence or before a combining mark).
"""

from __future__ import annotations

import bisect
import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from actors.telegram.formatting_text import (
    Entity,
    FormattedText,
    Span,
    entities_to_spans,
    is_indent,
    slice_spans,
    spans_to_entities,
    tidy_spans,
    utf16_length,
    utf16_offsets,
)

TELEGRAM_TEXT_LIMIT = 4096
"""Most UTF-16 code units in one message text."""
TELEGRAM_ENTITY_LIMIT = 100
"""Most entities Telegram applies in one message; it silently ignores the rest."""

_SENTENCE_ENDS = frozenset(".!?…")
_CLOSERS = frozenset(")]\"'»”’")
_UNSPACED_SENTENCE_ENDS = frozenset("。！？")  # scripts that put no space after a sentence
_ZERO_WIDTH_JOINER = "\u200d"


class _Cut(enum.IntEnum):
    """Kinds of cut, best first."""

    BETWEEN_BLOCKS = 0
    LINE_BREAK = 1
    SENTENCE_END = 2
    SPACE = 3


def split_message(
    formatted: FormattedText, limit: int = TELEGRAM_TEXT_LIMIT, *, max_entities: int = TELEGRAM_ENTITY_LIMIT
) -> list[FormattedText]:
    """Split ``formatted`` into parts of at most ``limit`` UTF-16 units and ``max_entities`` entities.

    Every part has a visible character and, when the input's entities are
    valid, valid entities; an entity crossing a cut continues in the next part
    (a ``pre`` keeps its language). Whitespace at a cut ends the earlier part,
    except the indentation of a code line, which stays with its line.

    The parts' texts join back into the original text; the one exception is
    whitespace that cannot share a part with any visible character (a run
    longer than ``limit``), which is dropped, as Telegram would trim it. A
    blank text gives no parts.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 UTF-16 units, the size of one emoji")
    layout = _Layout(formatted.text, entities_to_spans(formatted.text, formatted.entities))
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < layout.size:
        visible = layout.next_visible(start)
        if visible == layout.size:  # only blank space is left: it ends the last part if it fits
            if bounds and layout.width(bounds[-1][0], layout.size) <= limit:
                bounds[-1] = (bounds[-1][0], layout.size)
            break
        if layout.width(start, visible + 1) > limit:
            start = visible
        end = max(layout.max_end(start, limit, max_entities), visible + 1)
        if end < layout.size:
            end = layout.best_cut(start, end, visible)
        bounds.append((start, end))
        start = end
    return [layout.part(start, end) for start, end in bounds]


def keep_tail(formatted: FormattedText, limit: int = TELEGRAM_TEXT_LIMIT, *, marker: str = "…") -> FormattedText:
    """The latest part of ``formatted`` that fits one message, after ``marker``.

    Text that fits is kept whole. Otherwise the tail starts, when it can without
    losing much, at the beginning of a line (the marker then sits on a line of
    its own) or of a word. Beyond ``TELEGRAM_ENTITY_LIMIT`` entities the
    earliest ones go, so the newest text is the formatted text.
    """
    layout = _Layout(formatted.text, entities_to_spans(formatted.text, formatted.entities))
    if layout.width(0, layout.size) <= limit:
        if len(formatted.entities) <= TELEGRAM_ENTITY_LIMIT:
            return formatted
        return FormattedText(formatted.text, _latest(formatted.entities, TELEGRAM_ENTITY_LIMIT))
    room = limit - utf16_length(marker + "\n")
    if room < 2:
        raise ValueError("limit leaves no room for text after the marker")
    start = layout.tail_start(room)
    prefix = marker + "\n" if start > 0 and formatted.text[start - 1] == "\n" else marker
    text = prefix + formatted.text[start:]
    shifted = [
        replace(span, start=span.start + len(prefix), end=span.end + len(prefix))
        for span in slice_spans(layout.spans, start, layout.size)
    ]
    entities = spans_to_entities(text, tidy_spans(text, shifted))
    return FormattedText(text, _latest(entities, TELEGRAM_ENTITY_LIMIT))


def _latest(entities: tuple[Entity, ...], count: int) -> tuple[Entity, ...]:
    """The ``count`` entities that end last, in their original order; dropping entities keeps the rest valid."""
    if len(entities) <= count:
        return entities
    keep = set(sorted(range(len(entities)), key=lambda index: entities[index].end)[-count:])
    return tuple(entity for index, entity in enumerate(entities) if index in keep)


class _Layout:
    """A text with its spans and the lookups the cutting decisions need (positions in code points)."""

    def __init__(self, text: str, spans: Sequence[Span]) -> None:
        self.text = text
        self.size = len(text)
        self.offsets = utf16_offsets(text)
        self.spans = sorted(spans, key=lambda span: span.start)
        self.span_starts = [span.start for span in self.spans]
        self.code_block = [-1] * self.size  # which pre covers each character, -1 for none
        for number, span in enumerate(self.spans):
            if span.type == "pre":
                self.code_block[span.start : span.end] = [number] * max(0, span.end - span.start)

    def width(self, start: int, end: int) -> int:
        return self.offsets[end] - self.offsets[start]

    def next_visible(self, start: int) -> int:
        index = start
        while index < self.size and self.text[index].isspace():
            index += 1
        return index

    def max_end(self, start: int, limit: int, max_entities: int) -> int:
        """The furthest end for a part starting at ``start``, by size and by entity count."""
        end = bisect.bisect_right(self.offsets, self.offsets[start] + limit) - 1
        already_open = sum(1 for span in self.spans if span.start < start < span.end)
        first_new = bisect.bisect_left(self.span_starts, start)
        allowed = max(0, max_entities - already_open)
        if first_new + allowed < len(self.spans):
            entity_end = self.span_starts[first_new + allowed]
            if entity_end > start:
                end = min(end, entity_end)
        return min(end, self.size)

    def best_cut(self, start: int, max_end: int, first_visible: int) -> int:
        """Where the part beginning at ``start`` should end, at most at ``max_end``.

        The best kind of cut that still fills half of the room wins; failing
        that, the latest natural cut of any kind; failing that, a hard cut.
        """
        half_full = self.offsets[start] + self.width(start, max_end) // 2
        latest = self._latest_natural_cuts(start, max_end, bisect.bisect_left(self.offsets, half_full))
        for kind in _Cut:
            cut = latest.get(kind)
            if cut is not None and self.offsets[cut] >= half_full:
                return cut
        if latest:
            return max(latest.values())
        return self._hard_cut(first_visible, max_end)

    def _latest_natural_cuts(self, start: int, max_end: int, enough_below: int) -> dict[_Cut, int]:
        """The latest cut of each kind that ends a part within ``(start, max_end]``.

        Once a cut is found, the walk back stops below ``enough_below`` (where a part would be half
        full): :meth:`best_cut` takes no cut of a kind first found further back. A long answer's parts
        were walked back to their start, character by character, for nothing.
        """
        text = self.text
        latest: dict[_Cut, int] = {}
        index = max_end
        while index > start and not (latest and index < enough_below):
            if not text[index - 1].isspace():
                if text[index - 1] in _UNSPACED_SENTENCE_ENDS and index < self.size and not text[index].isspace():
                    latest.setdefault(_Cut.SENTENCE_END, index)
                index -= 1
                continue
            run_end = index
            if run_end == max_end:  # the run may go on past the room we have
                while run_end < self.size and text[run_end].isspace():
                    run_end += 1
            while index > start and text[index - 1].isspace():
                index -= 1
            if index > start and run_end < self.size:
                kind, cut = self._classify_run(index, run_end)
                if cut <= max_end:
                    latest.setdefault(kind, cut)
        return latest

    def _classify_run(self, run_start: int, run_end: int) -> tuple[_Cut, int]:
        """The kind of cut a whitespace run makes, and where the next part should start."""
        run = self.text[run_start:run_end]
        newlines = run.count("\n")
        block = self.code_block[run_start - 1]
        inside_code = block != -1 and block == self.code_block[run_end]
        if inside_code and newlines:
            # The next part starts with the line's indentation, which is code.
            return _Cut.LINE_BREAK, run_start + run.rindex("\n") + 1
        if newlines >= 2 and not inside_code:
            return _Cut.BETWEEN_BLOCKS, run_end
        if newlines:
            return _Cut.LINE_BREAK, run_end
        before = self.text[run_start - 1]
        if before in _SENTENCE_ENDS or (
            before in _CLOSERS and run_start >= 2 and self.text[run_start - 2] in _SENTENCE_ENDS
        ):
            return _Cut.SENTENCE_END, run_end
        return _Cut.SPACE, run_end

    def _hard_cut(self, first_visible: int, max_end: int) -> int:
        """The latest cut after ``first_visible`` that keeps characters whole, inside a word if possible."""
        fallback = None
        for index in range(max_end, first_visible, -1):
            if not _splits_a_character(self.text, index):
                if not self.text[index].isspace():
                    return index
                fallback = fallback or index
        return fallback or max_end

    def tail_start(self, room: int) -> int:
        """Where a tail of at most ``room`` units should start."""
        earliest = bisect.bisect_left(self.offsets, self.offsets[self.size] - room)
        slack = self.offsets[earliest] + room // 4
        line = self.text.find("\n", max(earliest - 1, 0))
        word = next(
            (i for i in range(earliest, self.size) if self.text[i - 1].isspace() and not self.text[i].isspace()), -1
        )
        if line != -1 and self.offsets[line + 1] <= slack:
            start = line + 1
        elif word != -1 and self.offsets[word] <= slack:
            start = word
        else:
            start = next((i for i in range(earliest, self.size) if not _splits_a_character(self.text, i)), earliest)
        while start < self.size - 1 and self.text[start].isspace() and not self._is_code_indent(start):
            start += 1
        return start

    def _is_code_indent(self, index: int) -> bool:
        return self.code_block[index] != -1 and is_indent(self.text[index]) and self.text[index - 1] == "\n"

    def part(self, start: int, end: int) -> FormattedText:
        text = self.text[start:end]
        spans = tidy_spans(text, slice_spans(self.spans, start, end))
        return FormattedText(text, spans_to_entities(text, spans))


def _splits_a_character(text: str, index: int) -> bool:
    """Whether cutting before ``text[index]`` would tear apart what a reader sees as one character."""
    if index <= 0 or index >= len(text):
        return False
    after, before = text[index], text[index - 1]
    if before == _ZERO_WIDTH_JOINER or after == _ZERO_WIDTH_JOINER:
        return True
    code = ord(after)
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True  # variation selectors, skin tones, emoji tag sequences
    if 0x1F1E6 <= code <= 0x1F1FF and 0x1F1E6 <= ord(before) <= 0x1F1FF:
        return True  # a flag is a pair of regional indicators (approximate: ignores parity)
    return unicodedata.combining(after) != 0 or unicodedata.category(after) in ("Mn", "Me")
