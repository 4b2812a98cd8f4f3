"""Tidy the whitespace of rendered text while keeping spans on the same characters."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import replace

from actors.telegram.formatting_text import Span


def normalize_whitespace(text: str, spans: Sequence[Span]) -> tuple[str, list[Span]]:
    """Drop spaces at line ends, blank lines beyond one in a row, and blank space at both ends.

    Inside a ``pre`` block the blank lines and indentation are the code's own
    and stay. Spans are moved so they still cover the same characters.
    """
    if _already_tidy(text):
        return text, list(spans)
    in_code = _code_mask(len(text), spans)
    keep = _without_trailing_spaces(text)
    newlines_in_a_row = 0
    seen_content = False
    for index, char in enumerate(text):
        if not keep[index]:
            continue
        if char == "\n":
            newlines_in_a_row += 1
            if not seen_content or (newlines_in_a_row > 2 and not in_code[index]):
                keep[index] = False
        elif char.isspace() and not seen_content and not in_code[index]:
            keep[index] = False
        else:
            seen_content = True
            newlines_in_a_row = 0
    for index in range(len(text) - 1, -1, -1):
        if keep[index] and not text[index].isspace():
            break
        keep[index] = False
    if all(keep):
        return text, list(spans)
    new_position = list(itertools.accumulate(keep, initial=0))
    kept_text = "".join(itertools.compress(text, keep))
    moved = [replace(span, start=new_position[span.start], end=new_position[span.end]) for span in spans]
    return kept_text, moved


_SPACE_AT_LINE_END = re.compile(r"[^\S\n]\n")


def _already_tidy(text: str) -> bool:
    """Whether there is nothing to drop: the usual case, told without a Python loop over the characters."""
    if not text:
        return True
    return (
        not text[0].isspace()
        and not text[-1].isspace()
        and "\n\n\n" not in text
        and _SPACE_AT_LINE_END.search(text) is None
    )


def _code_mask(size: int, spans: Sequence[Span]) -> list[bool]:
    mask = [False] * size
    for span in spans:
        if span.type == "pre":
            mask[span.start : span.end] = [True] * (span.end - span.start)
    return mask


def _without_trailing_spaces(text: str) -> list[bool]:
    keep = [True] * len(text)
    at_line_end = True
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == "\n":
            at_line_end = True
        elif at_line_end and char.isspace():
            keep[index] = False
        else:
            at_line_end = False
    return keep
