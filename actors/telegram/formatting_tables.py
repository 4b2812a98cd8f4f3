"""Tables as aligned monospace text, since Telegram messages have no tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from markdown_it.tree import SyntaxTreeNode

_COLUMN_GAP = " │ "
_HEADER_GAP = "─┼─"


def render_table(table: SyntaxTreeNode) -> str:
    """Lay out a GFM table as lines of padded columns with a rule under the header.

    Cells keep their text but lose their styles (a ``pre`` block holds no
    entities); column widths count wide characters such as CJK and most emoji twice.
    """
    rows: list[list[str]] = []
    alignments: list[str] = []
    header_rows = 0
    for section in table.children:
        for row in section.children:
            cells = [" ".join(plain_inline_text(cell.children).split()) for cell in row.children]
            rows.append(cells)
            if section.type == "thead":
                header_rows += 1
                alignments = [_alignment(cell) for cell in row.children]
    columns = max((len(row) for row in rows), default=0)
    if not columns:
        return ""
    alignments += ["left"] * (columns - len(alignments))
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(display_width(row[column]) for row in rows) for column in range(columns)]
    lines = [_join_row(row, widths, alignments) for row in rows]
    if header_rows:
        lines.insert(header_rows, _HEADER_GAP.join("─" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _join_row(cells: Sequence[str], widths: Sequence[int], alignments: Sequence[str]) -> str:
    padded = (_pad(cell, width, align) for cell, width, align in zip(cells, widths, alignments, strict=True))
    return _COLUMN_GAP.join(padded)


def _pad(cell: str, width: int, align: str) -> str:
    room = width - display_width(cell)
    if align == "right":
        return " " * room + cell
    if align == "center":
        return " " * (room // 2) + cell + " " * (room - room // 2)
    return cell + " " * room


def _alignment(cell: SyntaxTreeNode) -> str:
    style = str(cell.attrs.get("style", ""))
    for align in ("right", "center"):
        if f"text-align:{align}" in style:
            return align
    return "left"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace font: wide characters 2, combining marks 0."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def plain_inline_text(nodes: Sequence[SyntaxTreeNode]) -> str:
    """The characters a reader sees in inline nodes, without any styling."""
    parts: list[str] = []
    for node in nodes:
        if node.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif node.children:
            parts.append(plain_inline_text(node.children))
        else:
            parts.append(node.content)
    return "".join(parts)
