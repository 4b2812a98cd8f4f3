"""The rules Telegram applies to entities, as a checker and as a fixer.

Telegram refuses a whole message when a ``text_link`` URL fails its link
parser, and silently drops or reshapes entities that break its nesting rules
(a ``code`` inside ``bold`` loses the bold, the 101st entity is ignored). The
renderer therefore produces entities that need no reshaping, and the tests
check every output with :func:`validate_entities`.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from actors.telegram.formatting_text import (
    BLOCKQUOTE_TYPES,
    CODE_TYPES,
    CONTINUOUS_TYPES,
    KNOWN_TYPES,
    SPLITTABLE_TYPES,
    Entity,
    FormattedText,
    Span,
    is_indent,
    nesting_rank,
)

# The characters Telegram's URL parser accepts in a host name or user info
# (besides percent escapes and any non-ASCII character).
_URL_PART = re.compile(r"(?:[A-Za-z0-9.\-_!$,~*'();&+=]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])*")
_URL_USERINFO = re.compile(r"(?:[A-Za-z0-9.\-_!$,~*'();&+=:]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])*")
_TG_LINK = re.compile(r"(?i)tg:(?://)?[A-Za-z0-9_\-]+(?:[/?#][^\s]*)?")
_IPV6_HOST = re.compile(r"\[[0-9A-Fa-f:.]+\]")


def is_linkable_url(url: str) -> bool:
    """Whether Telegram accepts ``url`` in a ``text_link`` (http, https or tg).

    Telegram rejects the whole message over a URL its parser refuses, so this
    follows that parser: a scheme of http(s) with a host, an optional numeric
    port, and only URL-safe characters in the host and user info. ``mailto:``
    is not accepted: Telegram would turn it into an ``http://`` link to a host
    named after the address; it highlights plain e-mail addresses by itself.
    """
    if _TG_LINK.fullmatch(url):
        return True
    scheme = re.match(r"(?i)https?://", url)
    if not scheme or any(ord(char) <= 0x20 for char in url):
        return False
    authority = re.split(r"[/?#]", url[scheme.end() :], maxsplit=1)[0]
    userinfo, _, host_port = authority.rpartition("@")
    host, port = host_port, ""
    if not host_port.endswith("]") and ":" in host_port:
        host, _, port = host_port.rpartition(":")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) <= 65535):
        return False
    if not host or host == ".":
        return False
    if host.startswith("["):
        return bool(_IPV6_HOST.fullmatch(host))
    return bool(_URL_PART.fullmatch(host)) and bool(_URL_USERINFO.fullmatch(userinfo))


def validate_entities(formatted: FormattedText) -> list[str]:
    """List every way ``formatted`` breaks Telegram's entity rules; empty when it breaks none.

    Checked: known types; positive length inside the text and on whole
    characters; ``text_link`` with an acceptable URL (and no URL elsewhere);
    no leading or trailing whitespace (a ``pre`` may start with the indentation
    of its first line, and so may an entity that starts where such a ``pre``
    does); entities nest or are disjoint; nothing inside ``pre``/``code``;
    ``pre``/``code`` inside nothing but a blockquote; no blockquote inside a
    blockquote or a link; no link inside a link; no entity inside one of its own type.
    """
    units = formatted.text.encode("utf-16-le")
    total = len(units) // 2
    problems: list[str] = []
    placed: list[Entity] = []
    pre_offsets = {entity.offset for entity in formatted.entities if entity.type == "pre"}
    for entity in formatted.entities:
        where = f"{entity.type} at {entity.offset}+{entity.length}"
        if entity.length <= 0 or entity.offset < 0 or entity.end > total:
            problems.append(f"{where}: outside the text (UTF-16 length {total}) or empty")
            continue
        if _is_low_surrogate(units, entity.offset) or _is_low_surrogate(units, entity.end):
            problems.append(f"{where}: cuts a surrogate pair")
            continue
        problems.extend(_attribute_problems(entity, where))
        content = units[2 * entity.offset : 2 * entity.end].decode("utf-16-le")
        if content[-1].isspace():
            problems.append(f"{where}: ends with whitespace")
        may_indent = entity.type == "pre" or entity.offset in pre_offsets
        if content[0].isspace() and not (may_indent and is_indent(content[0])):
            problems.append(f"{where}: begins with whitespace")
        placed.append(entity)
    problems.extend(_nesting_problems(placed))
    return problems


def _is_low_surrogate(units: bytes, offset: int) -> bool:
    if 2 * offset + 2 > len(units):
        return False
    return 0xDC00 <= int.from_bytes(units[2 * offset : 2 * offset + 2], "little") <= 0xDFFF


def _attribute_problems(entity: Entity, where: str) -> list[str]:
    problems: list[str] = []
    if entity.type not in KNOWN_TYPES:
        problems.append(f"{where}: unknown entity type")
    if entity.type == "text_link":
        if not entity.url or not is_linkable_url(entity.url):
            problems.append(f"{where}: URL {entity.url!r} would be refused")
    elif entity.url is not None:
        problems.append(f"{where}: only text_link takes a URL")
    if entity.language is not None and (entity.type != "pre" or not entity.language):
        problems.append(f"{where}: only pre takes a language, and not an empty one")
    return problems


def _nesting_problems(entities: Sequence[Entity]) -> list[str]:
    problems: list[str] = []
    open_entities: list[Entity] = []
    for entity in sorted(entities, key=lambda e: (e.offset, -e.length, nesting_rank(e.type))):
        while open_entities and open_entities[-1].end <= entity.offset:
            open_entities.pop()
        where = f"{entity.type} at {entity.offset}+{entity.length}"
        if open_entities and entity.end > open_entities[-1].end:
            outer = open_entities[-1]
            problems.append(f"{where}: partly overlaps {outer.type} at {outer.offset}+{outer.length}")
            continue
        for outer in open_entities:
            reason = _why_not_inside(entity.type, outer.type)
            if reason:
                problems.append(f"{where}: inside {outer.type} at {outer.offset}+{outer.length}: {reason}")
        open_entities.append(entity)
    return problems


def _why_not_inside(inner: str, outer: str) -> str | None:
    if outer in CODE_TYPES:
        return "pre and code contain no entities"
    if inner in CODE_TYPES and outer not in BLOCKQUOTE_TYPES:
        return "pre and code sit inside nothing but a blockquote"
    if inner in BLOCKQUOTE_TYPES and outer in BLOCKQUOTE_TYPES:
        return "blockquotes do not nest"
    if (inner in CONTINUOUS_TYPES or inner in BLOCKQUOTE_TYPES) and outer in CONTINUOUS_TYPES:
        return "links contain no links or blockquotes"
    if inner == outer:
        return "an entity inside one of its own type"
    return None


def resolve_conflicts(spans: Iterable[Span]) -> list[Span]:
    """Reshape spans the way Telegram would, so it has nothing left to reshape.

    Code inside a link loses its code style (the link matters more); a style
    inside the same style disappears; a style around code is cut into the
    pieces before and after the code. Expects what the renderer makes: links
    never overlap other links, nor code other code.
    """
    unique = list(dict.fromkeys(spans))
    links = sorted((span for span in unique if span.type == "text_link"), key=lambda span: span.start)
    link_starts = [link.start for link in links]
    nested = _styles_inside_same_style(unique)
    kept = [
        span
        for span in unique
        if span not in nested and not (span.type in CODE_TYPES and _inside_any(span, links, link_starts))
    ]
    codes = sorted((span for span in kept if span.type in CODE_TYPES), key=lambda span: span.start)
    if not codes:
        return kept
    code_ends = [code.end for code in codes]
    result: list[Span] = []
    for span in kept:
        if span.type in SPLITTABLE_TYPES:
            result.extend(_cut_around(span, codes, code_ends))
        else:
            result.append(span)
    return result


def _inside_any(span: Span, disjoint: Sequence[Span], starts: Sequence[int]) -> bool:
    """Whether one of ``disjoint`` (sorted, starting at ``starts``) contains ``span``: only the last one before can."""
    index = bisect.bisect_right(starts, span.start) - 1
    return index >= 0 and _contains(disjoint[index], span)


def _contains(outer: Span, inner: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _styles_inside_same_style(spans: Sequence[Span]) -> set[Span]:
    nested: set[Span] = set()
    for style in SPLITTABLE_TYPES:
        furthest_end = -1
        for span in sorted((s for s in spans if s.type == style), key=lambda s: (s.start, -s.end)):
            if furthest_end >= span.end:
                nested.add(span)
            furthest_end = max(furthest_end, span.end)
    return nested


def _cut_around(span: Span, codes: Sequence[Span], code_ends: Sequence[int]) -> list[Span]:
    """The pieces of ``span`` outside ``codes`` (disjoint and sorted, so their ``code_ends`` are sorted too)."""
    pieces: list[Span] = []
    start = span.start
    first = bisect.bisect_right(code_ends, span.start)
    for code in itertools.islice(codes, first, None):
        if code.start >= span.end:
            break
        if code.start > start:
            pieces.append(replace(span, start=start, end=code.start))
        start = max(start, code.end)
    if start < span.end:
        pieces.append(replace(span, start=start, end=span.end))
    return pieces
