"""Make a Markdown answer that is still arriving look finished enough to preview.

While a model streams, the last paragraph often has an opened ``**`` or
`` ` `` whose closing half has not arrived yet. Closing them for the preview
shows "bold witho" in bold instead of "**bold witho" flickering into bold a
moment later. The final answer is rendered as written, without this.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_PAIRED_MARKERS = frozenset("*_~|")


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
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
            elif not line.strip():
                first_line = number + 1
        elif match and _closes(fence, match):
            fence = None
            first_line = number + 1
    if fence is not None:
        return None
    return "\n".join(lines[first_line:])


def _closes(fence: str, match: re.Match[str]) -> bool:
    """Whether a fence line closes ``fence``: same character, at least as long, no info string."""
    marker, rest = match.group(1), match.group(2)
    return marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip()


def _closers_for(paragraph: str) -> list[str]:
    """Closing markers for what ``paragraph`` leaves open, innermost first."""
    openers: dict[str, int] = {}  # marker -> where its unmatched opener is
    code_ticks, code_start = "", 0
    index = 0
    while index < len(paragraph):
        char = paragraph[index]
        if char == "\\":
            index += 2
            continue
        if char != "`" and (code_ticks or char not in _PAIRED_MARKERS):
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
