"""Render Markdown as Telegram text and entities.

The walk over markdown-it's syntax tree writes plain text and records spans;
afterwards the spans are reshaped to Telegram's nesting rules, whitespace is
tidied (no trailing spaces, at most one blank line, nothing blank at the
ends) and the positions are converted to UTF-16.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from markdown_it.common.normalize_url import normalizeLinkText
from markdown_it.tree import SyntaxTreeNode

from actors.telegram.formatting_parser import create_parser
from actors.telegram.formatting_rules import is_linkable_url, resolve_conflicts
from actors.telegram.formatting_tables import plain_inline_text, render_table
from actors.telegram.formatting_text import FormattedText, Span, spans_to_entities, tidy_spans
from actors.telegram.formatting_whitespace import normalize_whitespace

_PARSER = create_parser()
_BULLETS = ("•", "◦", "▪")
_RULE = "———"
_STYLES = {"strong": "bold", "em": "italic", "s": "strikethrough", "spoiler": "spoiler"}
_TASK_BOXES = {"[ ] ": "☐", "[x] ": "☑", "[X] ": "☑"}
# Telegram turns control characters into spaces; doing it here keeps our text what the user sees.
_CONTROLS_TO_SPACES = {code: " " for code in [*range(0x00, 0x0A), *range(0x0B, 0x20), 0x7F]}


def render_markdown(markdown: str) -> FormattedText:
    """Convert a model's Markdown (complete or cut off mid-stream) into text and valid entities.

    Never raises: markup that does not parse, such as an unclosed ``**``, is
    kept as the characters the model wrote, and an unclosed code fence still
    becomes a code block of what has arrived so far.
    """
    tree = SyntaxTreeNode(_PARSER.parse(markdown))
    try:
        writer = _Writer()
        writer.blocks(tree.children, tight=False)
    finally:
        _unlink(tree)
    text, spans = normalize_whitespace(writer.text(), resolve_conflicts(writer.spans))
    return FormattedText(text, spans_to_entities(text, tidy_spans(text, spans)))


def _unlink(tree: SyntaxTreeNode) -> None:
    """Cut each node's link to its parent, so the tree is freed as soon as it is dropped.

    A node and its parent refer to each other: only the cyclic garbage collector
    could free the tree (and its tokens), about a hundred objects a render. A
    streaming answer is rendered at every draft, and collecting that garbage
    stopped the whole bot for tens of milliseconds every few seconds under load.
    """
    stack = [tree]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        node.parent = None


class _Writer:
    """Accumulates the output text and the spans over it while walking the tree."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._size = 0
        self.spans: list[Span] = []
        self._indent = ""  # continuation indent of the list item being written
        self._pending_newlines = 0
        self._list_depth = 0
        self._in_quote = False
        self._in_link = False

    def text(self) -> str:
        return "".join(self._chunks)

    # -- low level ---------------------------------------------------------------

    def _append(self, text: str) -> None:
        self._chunks.append(text)
        self._size += len(text)

    def _flush(self, *, indent: bool = True) -> None:
        # Block separators are written lazily so that a code block can start at
        # column 0 even inside an indented list item.
        if self._pending_newlines:
            self._append("\n" * self._pending_newlines + (self._indent if indent else ""))
            self._pending_newlines = 0

    def write(self, text: str) -> None:
        """Write inline text; line breaks continue at the current list indent."""
        if not text:
            return
        self._flush()
        text = text.translate(_CONTROLS_TO_SPACES)
        self._append(text.replace("\n", "\n" + self._indent) if self._indent else text)

    def separate(self, *, blank: bool) -> None:
        """Start a new block: on the next line, or after a blank line."""
        if self._size:
            self._pending_newlines = max(self._pending_newlines, 2 if blank else 1)

    @contextmanager
    def span(self, entity_type: str, *, url: str | None = None) -> Iterator[None]:
        self._flush()
        start = self._size
        yield
        self.spans.append(Span(entity_type, start, self._size, url=url))

    def monospace_block(self, content: str, language: str | None) -> None:
        """Write a ``pre`` block at column 0 on a line of its own."""
        lines = content.expandtabs(4).translate(_CONTROLS_TO_SPACES).split("\n")
        while lines and not lines[0].strip():
            del lines[0]
        if not lines:
            return
        content = "\n".join(lines).rstrip()
        if self._size and not self._pending_newlines and not self._chunks[-1].endswith("\n"):
            self._pending_newlines = 1
        self._flush(indent=False)
        start = self._size
        self._append(content)
        self.spans.append(Span("pre", start, self._size, language=language))

    # -- blocks --------------------------------------------------------------------

    def blocks(self, nodes: Sequence[SyntaxTreeNode], *, tight: bool) -> None:
        for index, node in enumerate(nodes):
            if index:
                self.separate(blank=not tight)
            self.block(node)

    def block(self, node: SyntaxTreeNode) -> None:
        kind = node.type
        if kind in ("paragraph", "inline"):
            self.inlines(node.children if kind == "inline" else _inline_children(node))
        elif kind == "heading":
            with self.span("bold"):
                self.inlines(_inline_children(node))
        elif kind in ("bullet_list", "ordered_list"):
            self.list(node)
        elif kind == "blockquote":
            self.blockquote(node)
        elif kind in ("fence", "code_block"):
            language = node.info.split()[0] if kind == "fence" and node.info.split() else None
            self.monospace_block(node.content, language)
        elif kind == "table":
            self.monospace_block(render_table(node), None)
        elif kind == "hr":
            self.write(_RULE)
        elif node.children:
            self.blocks(node.children, tight=False)
        else:
            self.write(node.content)

    def list(self, node: SyntaxTreeNode) -> None:
        # markdown-it hides the paragraphs of a tight list (items not separated by blank lines).
        tight = all(child.hidden for item in node.children for child in item.children if child.type == "paragraph")
        first_number = _list_start(node)
        bullet = _BULLETS[min(self._list_depth, len(_BULLETS) - 1)]
        self._list_depth += 1
        for index, item in enumerate(node.children):
            if index:
                self.separate(blank=not tight)
            marker = f"{first_number + index}." if node.type == "ordered_list" else _task_box(item) or bullet
            self.write(marker + " ")
            outer_indent = self._indent
            self._indent = outer_indent + " " * (len(marker) + 1)
            self.blocks(item.children, tight=tight)
            self._indent = outer_indent
        self._list_depth -= 1

    def blockquote(self, node: SyntaxTreeNode) -> None:
        if self._in_quote:  # Telegram has no nested quotes: the inner one joins the outer
            self.blocks(node.children, tight=False)
            return
        self._in_quote = True
        with self.span("blockquote"):
            self.blocks(node.children, tight=False)
        self._in_quote = False

    # -- inlines -------------------------------------------------------------------

    def inlines(self, nodes: Sequence[SyntaxTreeNode]) -> None:
        for node in nodes:
            self.inline(node)

    def inline(self, node: SyntaxTreeNode) -> None:
        kind = node.type
        if kind in ("softbreak", "hardbreak"):
            self.write("\n")
        elif kind in _STYLES:
            with self.span(_STYLES[kind]):
                self.inlines(node.children)
        elif kind == "code_inline":
            with self.span("code"):
                self.write(node.content)
        elif kind == "link":
            self.link(str(node.attrs.get("href", "")), node.children, autolink=node.markup == "autolink")
        elif kind == "image":
            self.link(str(node.attrs.get("src", "")), node.children, autolink=False)
        elif node.children:
            self.inlines(node.children)
        else:  # text, and whatever else carries its characters in ``content``
            self.write(node.content)

    def link(self, url: str, label: Sequence[SyntaxTreeNode], *, autolink: bool) -> None:
        """A ``text_link`` when Telegram accepts the URL, else the label followed by the URL."""
        label_text = plain_inline_text(label).strip()
        if self._in_link:
            self.inlines(label)
        elif is_linkable_url(url):
            self._in_link = True
            with self.span("text_link", url=url):
                if label_text:
                    self.inlines(label)
                else:
                    self.write(normalizeLinkText(url))
            self._in_link = False
        else:
            self.inlines(label)
            shown = normalizeLinkText(url.removeprefix("mailto:")).strip()
            if shown and not autolink and shown != label_text:
                self.write(f" ({shown})" if label_text else shown)


def _inline_children(node: SyntaxTreeNode) -> Sequence[SyntaxTreeNode]:
    return [grandchild for child in node.children for grandchild in child.children]


def _list_start(node: SyntaxTreeNode) -> int:
    start = node.attrs.get("start", 1) if node.type == "ordered_list" else 1
    return start if isinstance(start, int) else 1


def _task_box(item: SyntaxTreeNode) -> str | None:
    """ "☐"/"☑" for a GitHub task item ("- [ ] todo"), dropping the brackets from its text."""
    if not item.children or item.children[0].type != "paragraph":
        return None
    inline = item.children[0].children[0] if item.children[0].children else None
    first = inline.children[0] if inline is not None and inline.children else None
    if first is None or first.type != "text" or first.token is None:
        return None
    for prefix, box in _TASK_BOXES.items():
        if first.content.startswith(prefix):
            first.token.content = first.content[len(prefix) :]
            return box
    return None
