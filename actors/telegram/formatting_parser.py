"""The Markdown dialect we read from models: CommonMark, GFM tables and ~~strike~~, and ||spoilers||.

Raw HTML is off on purpose: in entity mode it is shown as the text it is, and
a stray ``<div>`` cannot swallow the Markdown around it.
"""

from __future__ import annotations

from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter
from markdown_it.token import Token

_BAR = ord("|")


def create_parser() -> MarkdownIt:
    """A markdown-it parser for model answers; it never raises on broken input."""
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.inline.add_terminator_char("|")
    parser.inline.ruler.before("emphasis", "spoiler", _scan_spoiler_marker)
    parser.inline.ruler2.before("emphasis", "spoiler", _pair_spoiler_markers)
    return parser


def _scan_spoiler_marker(state: StateInline, silent: bool) -> bool:
    """Record a ``||`` run as a possible spoiler edge; other runs of bars stay text."""
    if silent or state.src[state.pos] != "|":
        return False
    scanned = state.scanDelims(state.pos, True)
    if scanned.length != 2:
        state.pending += "|" * scanned.length
        state.pos += scanned.length
        return True
    token = state.push("text", "", 0)
    token.content = "||"
    state.delimiters.append(
        Delimiter(
            marker=_BAR,
            length=0,  # pairs regardless of the lengths of neighbouring runs
            token=len(state.tokens) - 1,
            end=-1,
            open=scanned.can_open,
            close=scanned.can_close,
        )
    )
    state.pos += 2
    return True


def _pair_spoiler_markers(state: StateInline) -> None:
    """Turn the ``||`` pairs that balance_pairs matched into spoiler tokens."""
    _convert_pairs(state, state.delimiters)
    for meta in state.tokens_meta:
        if meta and "delimiters" in meta:
            _convert_pairs(state, meta["delimiters"])


def _convert_pairs(state: StateInline, delimiters: list[Delimiter]) -> None:
    for opener in delimiters:
        if opener.marker != _BAR or opener.end == -1:
            continue
        _make_spoiler_edge(state.tokens[opener.token], "spoiler_open", 1)
        _make_spoiler_edge(state.tokens[delimiters[opener.end].token], "spoiler_close", -1)


def _make_spoiler_edge(token: Token, kind: str, nesting: Literal[1, -1]) -> None:
    token.type = kind
    token.tag = "tg-spoiler"
    token.nesting = nesting
    token.markup = "||"
    token.content = ""
