"""Make a Markdown answer that is still arriving look finished enough to preview.

While a model streams, the last paragraph often has an opened ``**`` or
`` ` `` whose closing half has not arrived yet. Closing them for the preview
shows "bold witho" in bold instead of "**bold witho" flickering into bold a
moment later. The final answer is rendered as written, without this.
:class:`StreamingPreview` previews one answer draft after draft, rendering only
what changed since the last one.
"""

from __future__ import annotations

import re
from typing import TypeGuard

from actors.telegram.formatting_markdown import render_markdown
from actors.telegram.formatting_text import FormattedText, joined
from actors.telegram.splitting import TELEGRAM_TEXT_LIMIT, keep_tail

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_MARKUP = re.compile(r"[\\`*_~|]")  # escapes, code ticks and the paired markers
# What every link reference definition has ("[name]: url", in a quote or list item too): with one
# anywhere, text above it may link, so nothing can be rendered apart.
_REFERENCE_MARK = "]:"
# A line after a blank line that starts a block of its own whatever came before, so that the text
# above it renders the same alone: not indented (it would continue a list item or be code), not a
# list item (it would continue, and loosen, the list above), not a thematic break made of - or *, not
# a control character (shown as a space, which the line would keep but a text's first line would not).
_FRESH_BLOCK = re.compile(r"[^\s\-*+0-9\x00-\x1f\x7f]")


def preview(markdown: str, limit: int = TELEGRAM_TEXT_LIMIT) -> FormattedText:
    """Render a partial answer for a streaming preview that fits one message.

    Markers still waiting for their closing half in the last paragraph are
    closed first; an answer longer than ``limit`` shows its most recent part
    after "…".
    """
    return keep_tail(render_markdown(close_dangling_markup(markdown)), limit)


class StreamingPreview:
    """The previews of one answer as it grows: :func:`preview`, without rendering it all each time.

    A streamed answer is previewed every fraction of a second, and rendering
    Markdown costs milliseconds per thousand characters, so rendering the whole
    answer at every draft made a long answer's drafts cost more than everything
    else it needed. Blocks that can no longer change (those before a blank line
    that a fresh block follows, outside code fences) are rendered once and kept;
    each preview renders only the text after them, and so does
    :meth:`render_final` for the answer's messages. The results are what
    :func:`preview` and :func:`render_markdown` give for the same text. Where
    they could differ (a link reference definition anywhere, which links text
    above it) the whole answer is rendered each time.
    """

    _last: str
    """The text of the last call: the next one continues it, or starts over."""
    _source: str
    """The Markdown of the blocks rendered for good; it ends where a fresh block starts."""
    _settled: FormattedText
    """Their rendering."""
    _settled_tail: FormattedText
    """The end of it that a preview can show (at most ``2 * limit`` long)."""
    _scanned: int
    """Where the first line not looked at yet starts."""
    _boundary: int
    """Where the newest fresh block found starts."""
    _fence: str | None
    """The code fence open at ``_scanned``."""
    _after_blank: bool
    """Whether the line before ``_scanned`` was blank."""
    _whole_only: bool
    """Whether every call renders the whole answer (a link reference definition was seen)."""

    def __init__(self, limit: int = TELEGRAM_TEXT_LIMIT) -> None:
        self.limit = limit
        self._restart()

    def render(self, markdown: str) -> FormattedText:
        """The preview of ``markdown``, the answer so far: ``preview(markdown, limit)``."""
        tail = self._settle(markdown)
        if tail is None:
            return preview(markdown, self.limit)
        rendered = render_markdown(close_dangling_markup(tail))
        return keep_tail(joined(self._settled_tail, rendered), self.limit)

    def render_final(self, markdown: str) -> FormattedText:
        """The finished answer ``markdown``, whole: ``render_markdown(markdown)``."""
        tail = self._settle(markdown)
        if tail is None:
            return render_markdown(markdown)
        return joined(self._settled, render_markdown(tail))

    def _settle(self, markdown: str) -> str | None:
        """Render the blocks of ``markdown`` that settled since the last call; return the text after them.

        None: the whole text must be rendered. A text that does not continue the last one starts over.
        """
        if not markdown.startswith(self._last):
            self._restart()
        self._last = markdown
        self._scan(markdown)
        if self._whole_only or _REFERENCE_MARK in markdown[self._scanned :]:
            return None
        if self._boundary > len(self._source):
            settled = render_markdown(markdown[len(self._source) : self._boundary])
            self._settled = joined(self._settled, settled)
            self._settled_tail = joined(self._settled_tail, settled)
            self._source = markdown[: self._boundary]
            if self._settled_tail.utf16_length > 2 * self.limit:
                # A preview shows at most the last ``limit`` units: what lies further back only costs time.
                self._settled_tail = keep_tail(self._settled_tail, 2 * self.limit)
        return markdown[len(self._source) :]

    def _restart(self) -> None:
        self._last = ""
        self._source = ""
        self._settled = FormattedText("")
        self._settled_tail = FormattedText("")
        self._scanned = 0
        self._boundary = 0
        self._fence = None
        self._after_blank = False
        self._whole_only = False

    def _scan(self, markdown: str) -> None:
        """Look at each complete line not seen yet: track code fences, find where fresh blocks start."""
        while not self._whole_only:
            end = markdown.find("\n", self._scanned)
            if end < 0:
                return
            start, line = self._scanned, markdown[self._scanned : end]
            self._scanned = end + 1
            if _REFERENCE_MARK in line:
                self._whole_only = True
                return
            match = _FENCE.match(line)
            if self._fence is not None:
                if match and _closes(self._fence, match):
                    self._fence = None
                self._after_blank = False
                continue
            if self._after_blank and _FRESH_BLOCK.match(line):
                self._boundary = start
            if _opens(match):
                self._fence = match.group(1)
            self._after_blank = not line.strip()


def close_dangling_markup(markdown: str) -> str:
    """Append the closing markers that the last paragraph of ``markdown`` still waits for.

    Handles code spans and the doubled markers ``**``, ``__``, ``~~`` and
    ``||``; an opener counts only when text follows it, as in Markdown. Inside
    an unclosed code fence nothing is added: it already renders as code.
    """
    paragraph = _last_paragraph(markdown)
    if paragraph is None:
        return markdown
    closers = _closers_for(paragraph)
    if not closers:
        return markdown
    return markdown.rstrip() + "".join(closers)


def _last_paragraph(markdown: str) -> str | None:
    """The text after the last blank line outside code fences; None inside an open fence."""
    lines = markdown.split("\n")
    fence: str | None = None
    first_line = 0
    for number, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None:
            if _opens(match):
                fence = match.group(1)
            elif not line.strip():
                first_line = number + 1
        elif match and _closes(fence, match):
            fence = None
            first_line = number + 1
    if fence is not None:
        return None
    return "\n".join(lines[first_line:])


def _opens(match: re.Match[str] | None) -> TypeGuard[re.Match[str]]:
    """Whether a line (its ``_FENCE`` match) opens a code fence: a backtick fence's info string has no backtick."""
    return match is not None and not (match.group(1)[0] == "`" and "`" in match.group(2))


def _closes(fence: str, match: re.Match[str]) -> bool:
    """Whether a fence line closes ``fence``: same character, at least as long, no info string."""
    marker, rest = match.group(1), match.group(2)
    return marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip()


def _closers_for(paragraph: str) -> list[str]:
    """Closing markers for what ``paragraph`` leaves open, innermost first."""
    openers: dict[str, int] = {}  # marker -> where its unmatched opener is
    code_ticks, code_start = "", 0
    index = 0
    while True:
        # Jump to the next character that can matter: a long paragraph is looked at on every draft.
        found = _MARKUP.search(paragraph, index)
        if found is None:
            break
        index = found.start()
        char = paragraph[index]
        if char == "\\":
            index += 2
            continue
        if char != "`" and code_ticks:
            index += 1
            continue
        run_end = index
        while run_end < len(paragraph) and paragraph[run_end] == char:
            run_end += 1
        run = paragraph[index:run_end]
        if char == "`":
            if not code_ticks:
                code_ticks, code_start = run, index
            elif run == code_ticks:
                code_ticks = ""
        elif len(run) == 2:
            before = paragraph[index - 1] if index else " "
            after = paragraph[run_end] if run_end < len(paragraph) else " "
            if run in openers and not before.isspace():
                del openers[run]
            elif run not in openers and not after.isspace():
                openers[run] = index
        index = run_end
    pending = [(start, marker) for marker, start in openers.items()]
    if code_ticks:
        pending.append((code_start, code_ticks))
    return [marker for _, marker in sorted(pending, reverse=True)]
