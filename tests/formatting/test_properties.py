"""Properties over arbitrary Markdown-ish text: rendering never fails, entities stay valid, splits are faithful."""

from __future__ import annotations

import os
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.telegram.formatting import (
    FormattedText,
    close_dangling_markup,
    preview,
    render_markdown,
    split_message,
    validate_entities,
)
from actors.telegram.formatting_text import entities_to_spans

TOKENS = [
    "**", "*", "_", "__", "~~", "||", "`", "```", "```python\n", "~~~\n", "\n", "\n\n", "  \n", "\t",
    "# ", "## ", "- ", "* ", "1. ", "10. ", "- [ ] ", "> ", "> > ", "    ", "[", "]", "](", ")",
    "](https://example.com/a?b=1)", "](mailto:x@y.z)", "](/rel)", "![", "<https://t.me/x>", "<", ">",
    "|", "| a | b |\n|---|--:|\n", "---\n", "\\", " ", "  ", "😀", "👨‍👩‍👧", "🇺🇦", "é", "e\u0301",
    "привет", "Мир", "𝔸", "名前", "&amp;", "<b>", "</b>", "https://x.io/path", ". ", "? ", "!\n",
    "\x00", "\x1b", "\r\n", "\u2028",
]  # fmt: skip

markdownish = st.lists(
    st.one_of(
        st.sampled_from(TOKENS),
        st.text(alphabet="abc xyzАБВ.,", min_size=1, max_size=12),
        st.builds(lambda n: "word " * n, st.integers(20, 120)),
        st.builds(lambda n: "x" * n, st.integers(50, 400)),
    ),
    max_size=60,
).map("".join)


@st.composite
def code_blocks(draw: st.DrawFn) -> str:
    """A fenced code block of many lines, some indented, some blank, some very long."""
    line = st.one_of(
        st.builds(lambda depth, n: "    " * depth + f"call_{n}(x)", st.integers(0, 3), st.integers(0, 999)),
        st.just(""),
        st.builds(lambda n: "y" * n, st.integers(60, 300)),
        st.text(alphabet="ab cd😀ж\t", max_size=40),
    )
    lines = draw(st.lists(line, min_size=5, max_size=120))
    language = draw(st.sampled_from(["", "python", "js"]))
    closed = draw(st.booleans())
    return f"```{language}\n" + "\n".join(lines) + ("\n```" if closed else "")


answers = st.one_of(
    markdownish,
    st.text(max_size=300),
    st.lists(st.one_of(markdownish, code_blocks()), min_size=1, max_size=4).map("\n\n".join),
)

# FORMATTING_EXAMPLES=5000 fuzzes deeper than the quick default.
SETTINGS = settings(
    max_examples=int(os.environ.get("FORMATTING_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def assert_tidy_whitespace(formatted: FormattedText) -> None:
    text = formatted.text
    assert text == text.rstrip()
    assert not text.startswith("\n")
    assert all(line == line.rstrip() for line in text.split("\n"))
    code = [(span.start, span.end) for span in entities_to_spans(text, formatted.entities) if span.type == "pre"]
    position = text.find("\n\n\n")
    while position != -1:
        assert any(start <= position + 1 < end for start, end in code), text
        position = text.find("\n\n\n", position + 1)


@SETTINGS
@given(answers)
def test_rendering_never_fails_and_gives_valid_entities_and_tidy_whitespace(markdown: str) -> None:
    formatted = render_markdown(markdown)
    assert validate_entities(formatted) == []
    assert_tidy_whitespace(formatted)


def styled_characters(parts: list[FormattedText]) -> dict[tuple[str, str | None, str | None], set[int]]:
    """Which visible characters of the joined text each kind of entity covers."""
    covered: dict[tuple[str, str | None, str | None], set[int]] = defaultdict(set)
    base = 0
    for part in parts:
        for span in entities_to_spans(part.text, part.entities):
            key = (span.type, span.url, span.language)
            covered[key].update(base + i for i in range(span.start, span.end) if not part.text[i].isspace())
        base += len(part.text)
    return dict(covered)


@SETTINGS
@given(answers, st.one_of(st.sampled_from([50, 200, 4096]), st.integers(2, 400)))
def test_split_parts_fit_are_visible_valid_and_faithful(markdown: str, limit: int) -> None:
    formatted = render_markdown(markdown)
    parts = split_message(formatted, limit)
    for part in parts:
        assert part.utf16_length <= limit
        assert part.text.strip()
        assert validate_entities(part) == []
    joined = "".join(part.text for part in parts)
    if limit >= longest_whitespace_run(formatted.text) + 2:
        assert joined == formatted.text
        assert styled_characters(parts) == styled_characters([formatted])
    else:  # whitespace that cannot share a part with a visible character is dropped
        assert "".join(joined.split()) == "".join(formatted.text.split())


def longest_whitespace_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char.isspace() else 0
        longest = max(longest, run)
    return longest


@SETTINGS
@given(answers, st.integers(1, 5))
def test_split_respects_the_entity_limit(markdown: str, max_entities: int) -> None:
    parts = split_message(render_markdown(markdown), 300, max_entities=max_entities)
    assert all(len(part.entities) <= max_entities for part in parts)


@SETTINGS
@given(code_blocks(), st.sampled_from([50, 120, 200]))
def test_long_code_blocks_split_into_valid_code_blocks(markdown: str, limit: int) -> None:
    formatted = render_markdown(markdown)
    language = formatted.entities[0].language if formatted.entities else None
    for part in split_message(formatted, limit):
        assert validate_entities(part) == []
        assert [entity.type for entity in part.entities] == ["pre"]
        assert part.entities[0].language == language


@SETTINGS
@given(answers, st.sampled_from([30, 100, 4096]))
def test_previews_fit_are_valid_and_end_with_the_newest_text(markdown: str, limit: int) -> None:
    shown = preview(markdown, limit)
    assert shown.utf16_length <= limit
    assert validate_entities(shown) == []
    full = render_markdown(close_dangling_markup(markdown)).text
    assert full.endswith(shown.text.removeprefix("…\n").removeprefix("…"))
