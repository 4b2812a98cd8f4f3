"""Telegram's ``parse_mode=MarkdownV2`` and legacy ``parse_mode=Markdown``.

MarkdownV2: *bold* _italic_ __underline__ ~strike~ ||spoiler|| `code` ```lang
pre``` [text](url) ![emoji](tg://emoji?id=N) and ">" quotes at line starts. Outside
code, pre and link targets the characters _*[]()~`>#+-=|{}.! must be escaped with a
backslash. Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.telegram.entities import Entity, EntityError, TextBuilder, is_valid_url

RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!")
_TOGGLES = (("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"), ("~", "strikethrough"))


@dataclass
class _Open:
    kind: str
    start: int
    byte_offset: int


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _is_escapable(char: str) -> bool:
    return 1 <= ord(char) <= 126


def _read_until(source: str, start: int, closing: str, what: str, opened_at: int) -> tuple[str, int]:
    """Read escaped text from ``start`` up to an unescaped ``closing``; return (text, index after closing)."""
    parts: list[str] = []
    i = start
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source) and _is_escapable(source[i + 1]):
            parts.append(source[i + 1])
            i += 2
        elif source.startswith(closing, i):
            return "".join(parts), i + len(closing)
        else:
            parts.append(source[i])
            i += 1
    raise EntityError(f"Can't find end of {what} entity at byte offset {_byte_offset(source, opened_at)}")


def _split_language(content: str) -> tuple[str | None, str]:
    """```python\\ncode``` carries a language on its first line; a bare first line is dropped too."""
    if "\n" not in content:
        return None, content
    first, rest = content.split("\n", 1)
    if any(c.isspace() for c in first):
        return None, content
    return (first or None), rest


def _link_entity(url: str, *, emoji: bool, byte_offset: int) -> tuple[str, dict[str, str]]:
    if emoji:
        prefix = "tg://emoji?id="
        if not url.startswith(prefix) or not url.removeprefix(prefix).isdigit():
            raise EntityError(f"custom emoji needs a tg://emoji?id= URL at byte offset {byte_offset}")
        return "custom_emoji", {"custom_emoji_id": url.removeprefix(prefix)}
    if "://" not in url:
        url = "http://" + url
    if not is_valid_url(url):
        raise EntityError(f"wrong HTTP URL {url!r} at byte offset {byte_offset}")
    return "text_link", {"url": url}


class _MarkdownV2Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.builder = TextBuilder()
        self.stack: list[_Open] = []
        self.quote: _Open | None = None

    def parse(self) -> tuple[str, list[Entity]]:
        i = 0
        while i < len(self.source):
            if i == 0 or self.source[i - 1] == "\n":
                i = self._line_start(i)
                if i >= len(self.source):
                    break
            i = self._step(i)
        if self.stack:
            opened = self.stack[-1]
            raise EntityError(f"Can't find end of the entity starting at byte offset {opened.byte_offset}")
        self._close_quote()
        return self.builder.text(), self.builder.entities

    def _line_start(self, i: int) -> int:
        expandable = self.source.startswith("**>", i)
        if expandable or self.source.startswith(">", i):
            if self.quote is None:
                kind = "expandable_blockquote" if expandable else "blockquote"
                self.quote = _Open(kind, self.builder.position, _byte_offset(self.source, i))
            return i + (3 if expandable else 1)
        self._close_quote()
        return i

    def _close_quote(self) -> None:
        if self.quote is not None:
            self.builder.add_entity(self.quote.kind, self.quote.start)
            self.quote = None

    def _step(self, i: int) -> int:
        source, char = self.source, self.source[i]
        if char == "\\" and i + 1 < len(source) and _is_escapable(source[i + 1]):
            self.builder.append(source[i + 1])
            return i + 2
        if char == "\n":
            if self.quote is not None and not source.startswith((">", "**>"), i + 1):
                self._close_quote()
            self.builder.append(char)
            return i + 1
        if char == "`":
            return self._monospace(i)
        if source.startswith("||", i) and self._ends_expandable_quote(i):
            self._close_quote()
            return i + 2
        for token, kind in _TOGGLES:
            if source.startswith(token, i):
                self._toggle(kind, i)
                return i + len(token)
        if char == "[" or source.startswith("![", i):
            marker = "custom_emoji_label" if char == "!" else "link_label"
            self.stack.append(_Open(marker, self.builder.position, _byte_offset(source, i)))
            return i + (2 if char == "!" else 1)
        if char == "]" and self.stack and self.stack[-1].kind.endswith("_label"):
            return self._link(i)
        if char in RESERVED_V2:
            raise EntityError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\' "
                f"(byte offset {_byte_offset(source, i)})"
            )
        self.builder.append(char)
        return i + 1

    def _ends_expandable_quote(self, i: int) -> bool:
        """ "||" at the end of a line closes an expandable quote rather than opening a spoiler."""
        quote, after = self.quote, i + 2
        ends_line = after == len(self.source) or self.source[after] == "\n"
        return quote is not None and quote.kind == "expandable_blockquote" and ends_line

    def _toggle(self, kind: str, i: int) -> None:
        if self.stack and self.stack[-1].kind == kind:
            opened = self.stack.pop()
            self.builder.add_entity(kind, opened.start)
            return
        if any(opened.kind == kind for opened in self.stack):
            raise EntityError(
                f"Can't find end of {kind} entity at byte offset {_byte_offset(self.source, i)}: "
                f"entities must be closed in the reverse order of opening"
            )
        self.stack.append(_Open(kind, self.builder.position, _byte_offset(self.source, i)))

    def _monospace(self, i: int) -> int:
        start = self.builder.position
        if self.source.startswith("```", i):
            content, end = _read_until(self.source, i + 3, "```", "Pre", i)
            language, content = _split_language(content)
            self.builder.append(content)
            fields = {"language": language} if language else {}
            self.builder.add_entity("pre", start, **fields)
            return end
        content, end = _read_until(self.source, i + 1, "`", "Code", i)
        self.builder.append(content)
        self.builder.add_entity("code", start)
        return end

    def _link(self, i: int) -> int:
        label = self.stack.pop()
        if not self.source.startswith("(", i + 1):
            raise EntityError(f"Can't find the URL of the link at byte offset {label.byte_offset}")
        url, end = _read_until(self.source, i + 2, ")", "URL", i + 1)
        emoji = label.kind == "custom_emoji_label"
        kind, fields = _link_entity(url.strip(), emoji=emoji, byte_offset=label.byte_offset)
        self.builder.add_entity(kind, label.start, **fields)
        return end


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into (plain text, entities); raise :class:`EntityError` as Telegram would."""
    return _MarkdownV2Parser(source).parse()


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown into (plain text, entities); raise :class:`EntityError` on an unclosed entity."""
    builder = TextBuilder()
    i = 0
    while i < len(source):
        char = source[i]
        start = builder.position
        if char == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            builder.append(source[i + 1])
            i += 2
        elif char in "*_":
            end = _find_closing(source, i + 1, char, i)
            builder.append(source[i + 1 : end])
            builder.add_entity("bold" if char == "*" else "italic", start)
            i = end + 1
        elif source.startswith("```", i):
            end = _find_closing(source, i + 3, "```", i)
            language, content = _split_language(source[i + 3 : end])
            builder.append(content)
            builder.add_entity("pre", start, **({"language": language} if language else {}))
            i = end + 3
        elif char == "`":
            end = _find_closing(source, i + 1, "`", i)
            builder.append(source[i + 1 : end])
            builder.add_entity("code", start)
            i = end + 1
        elif char == "[":
            i = _legacy_link(source, i, builder)
        else:
            builder.append(char)
            i += 1
    return builder.text(), builder.entities


def _find_closing(source: str, start: int, closing: str, opened_at: int) -> int:
    end = source.find(closing, start)
    if end == -1:
        raise EntityError(f"Can't find end of the entity starting at byte offset {_byte_offset(source, opened_at)}")
    return end


def _legacy_link(source: str, i: int, builder: TextBuilder) -> int:
    close = _find_closing(source, i + 1, "]", i)
    if not source.startswith("(", close + 1):
        # "[" without a link target stays text in legacy Markdown.
        builder.append(source[i : close + 1])
        return close + 1
    url_end = _find_closing(source, close + 2, ")", close + 1)
    start = builder.position
    builder.append(source[i + 1 : close])
    kind, fields = _link_entity(source[close + 2 : url_end].strip(), emoji=False, byte_offset=i)
    builder.add_entity(kind, start, **fields)
    return url_end + 1
