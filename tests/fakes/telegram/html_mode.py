"""Telegram's ``parse_mode=HTML``: a strict subset of HTML turned into plain text and entities.

Supported tags: b/strong, i/em, u/ins, s/strike/del, tg-spoiler and span class="tg-spoiler",
code, pre (with an inner <code class="language-x">), a href, blockquote [expandable],
tg-emoji emoji-id. Entities: &lt; &gt; &amp; &quot; and numeric ones. Anything else
that looks like a tag is an error, as it is for Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.fakes.telegram.entities import Entity, EntityError, TextBuilder, is_valid_url

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_OTHER_TAGS = frozenset({"span", "a", "code", "pre", "blockquote", "tg-emoji"})
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_CHAR_REF = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    start: int
    byte_offset: int
    attributes: dict[str, str]
    language: str | None = None


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into (plain text, entities); raise :class:`EntityError` as Telegram would."""
    builder = TextBuilder()
    stack: list[_OpenTag] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            i = _tag(source, i, builder, stack)
        elif char == "&":
            decoded, i = _char_ref(source, i)
            builder.append(decoded)
        elif char == ">":
            raise EntityError(f"unexpected '>' at byte offset {_byte_offset(source, i)}; use &gt; instead")
        else:
            end = _next_special(source, i)
            builder.append(source[i:end])
            i = end
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return builder.text(), builder.entities


def _next_special(source: str, start: int) -> int:
    positions = [p for p in (source.find(c, start) for c in "<&>") if p != -1]
    return min(positions, default=len(source))


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _char_ref(source: str, i: int) -> tuple[str, int]:
    match = _CHAR_REF.match(source, i)
    if match is None:
        return "&", i + 1
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        if name in _NAMED:
            return _NAMED[name], match.end()
        return match.group(0), match.end()  # Telegram leaves unsupported named entities as they are
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityError(f"invalid character reference at byte offset {_byte_offset(source, i)}")
    return chr(code), match.end()


def _unescape_attribute(value: str) -> str:
    return _CHAR_REF.sub(lambda match: _char_ref(match.group(0), 0)[0], value)


def _tag(source: str, i: int, builder: TextBuilder, stack: list[_OpenTag]) -> int:
    offset = _byte_offset(source, i)
    end = source.find(">", i)
    if end == -1:
        raise EntityError(f"Unclosed start tag at byte offset {offset}")
    body = source[i + 1 : end]
    if body.startswith("/"):
        _close_tag(body[1:].strip().lower(), offset, builder, stack)
        return end + 1
    match = _TAG_NAME.match(body)
    if match is None:
        raise EntityError(f'Unsupported start tag "{body[:16]}" at byte offset {offset}')
    name = match.group(0).lower()
    if name not in _SIMPLE_TAGS and name not in _OTHER_TAGS:
        raise EntityError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attributes = _attributes(body[match.end() :].rstrip("/"), offset)
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    stack.append(_OpenTag(name, builder.position, offset, attributes))
    return end + 1


def _attributes(text: str, offset: int) -> dict[str, str]:
    attributes: dict[str, str] = {}
    position = 0
    while position < len(text) and text[position:].strip():
        match = _ATTRIBUTE.match(text, position)
        if match is None or match.end() == position:
            raise EntityError(
                f"Expected equal sign in declaration of an attribute of the start tag at byte offset {offset}"
            )
        name, *values = match.groups()
        value = next((v for v in values if v is not None), "")
        attributes[name.lower()] = _unescape_attribute(value)
        position = match.end()
    return attributes


def _close_tag(name: str, offset: int, builder: TextBuilder, stack: list[_OpenTag]) -> None:
    if not stack:
        raise EntityError(f"Unexpected end tag at byte offset {offset}")
    tag = stack.pop()
    if tag.name != name:
        raise EntityError(f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", found "</{name}>"')
    parent = stack[-1] if stack else None
    if _inside_monospace(stack):
        # Formatting inside code/pre is dropped; only <pre><code class="language-x"> means something.
        if parent is not None and parent.name == "pre" and tag.name == "code":
            language = tag.attributes.get("class", "")
            if language.startswith("language-") and len(language) > len("language-"):
                parent.language = language.removeprefix("language-")
        return
    _emit(tag, builder)


def _inside_monospace(stack: list[_OpenTag]) -> bool:
    return any(open_tag.name in ("code", "pre") for open_tag in stack)


def _emit(tag: _OpenTag, builder: TextBuilder) -> None:
    if tag.name in _SIMPLE_TAGS or tag.name == "span":
        builder.add_entity(_SIMPLE_TAGS.get(tag.name, "spoiler"), tag.start)
    elif tag.name == "code":
        builder.add_entity("code", tag.start)
    elif tag.name == "pre":
        if tag.language:
            builder.add_entity("pre", tag.start, language=tag.language)
        else:
            builder.add_entity("pre", tag.start)
    elif tag.name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in tag.attributes else "blockquote"
        builder.add_entity(kind, tag.start)
    elif tag.name == "a":
        _emit_link(tag, builder)
    elif tag.name == "tg-emoji":
        emoji_id = tag.attributes.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise EntityError(f"tg-emoji needs a numeric emoji-id at byte offset {tag.byte_offset}")
        builder.add_entity("custom_emoji", tag.start, custom_emoji_id=emoji_id)


def _emit_link(tag: _OpenTag, builder: TextBuilder) -> None:
    href = tag.attributes.get("href", "").strip()
    if not href:
        return  # an anchor without a target is plain text
    if "://" not in href:
        href = "http://" + href
    if not is_valid_url(href):
        raise EntityError(f"wrong HTTP URL {href!r} at byte offset {tag.byte_offset}")
    builder.add_entity("text_link", tag.start, url=href)
