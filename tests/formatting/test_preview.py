"""Streaming previews: a partial answer looks finished and fits one message."""

from __future__ import annotations

import pytest

from actors.telegram.formatting import (
    Entity,
    FormattedText,
    close_dangling_markup,
    keep_tail,
    preview,
    render_markdown,
)
from tests.formatting.helpers import assert_valid, covered, styled


def show(markdown: str, limit: int = 4096) -> FormattedText:
    formatted = preview(markdown, limit)
    assert formatted.utf16_length <= limit
    assert_valid(formatted)
    return formatted


def test_a_finished_answer_previews_as_it_renders() -> None:
    markdown = "# Plan\n\n- **one**\n- `two`\n\n```sh\nmake\n```"
    assert show(markdown) == render_markdown(markdown)


def test_bold_still_being_written_shows_as_bold() -> None:
    assert show("Some **bold witho") == FormattedText("Some bold witho", (Entity("bold", 5, 10),))


def test_code_still_being_written_shows_as_code() -> None:
    assert styled(show("Run `pip inst")) == [("code", "pip inst")]


def test_markers_close_innermost_first() -> None:
    formatted = show("**bold and ~~struck `co")
    assert formatted.text == "bold and struck co"
    assert styled(formatted) == [
        ("bold", "bold and struck"),
        ("strikethrough", "struck"),
        ("code", "co"),
    ]


def test_spoiler_still_being_written_is_hidden() -> None:
    assert styled(show("The answer is ||forty")) == [("spoiler", "forty")]


def test_opened_code_block_previews_as_code() -> None:
    assert show("```python\nprint(") == FormattedText("print(", (Entity("pre", 0, 6, language="python"),))


def test_markers_inside_an_open_code_block_are_left_alone() -> None:
    assert close_dangling_markup("```\nx = `a **b") == "```\nx = `a **b"


@pytest.mark.parametrize("markdown", ["2 ** 3 is 8", "a || b", "x ** ", "done **bold** here"])
def test_markers_that_open_nothing_are_not_closed(markdown: str) -> None:
    assert close_dangling_markup(markdown) == markdown


def test_only_the_last_paragraph_is_closed() -> None:
    assert close_dangling_markup("**a\n\nb **c") == "**a\n\nb **c**"


def test_escaped_markers_are_not_closed() -> None:
    assert close_dangling_markup(r"price \*\*5") == r"price \*\*5"


def test_a_long_answer_previews_its_latest_lines_after_an_ellipsis() -> None:
    markdown = "\n".join(f"line {number}" for number in range(1000))
    formatted = show(markdown, 100)
    assert formatted.text.startswith("…\nline ")
    assert formatted.text.endswith("line 999")
    assert formatted.utf16_length > 80  # fills the message rather than showing a sliver


def test_a_long_code_block_previews_as_code_with_its_language() -> None:
    code = "\n".join(f"    call({number})" for number in range(500))
    formatted = show(f"```python\n{code}", 300)
    pre = [entity for entity in formatted.entities if entity.type == "pre"]
    assert len(pre) == 1
    assert pre[0].language == "python"
    assert covered(formatted, pre[0]).endswith("    call(499)")
    assert covered(formatted, pre[0]).startswith("    call(")


def test_a_long_line_without_breaks_previews_from_a_word_start() -> None:
    words = " ".join(f"w{number}" for number in range(2000))
    formatted = show(words, 200)
    assert formatted.text.startswith("…w")
    assert formatted.text.endswith("w1999")


def test_only_the_latest_hundred_entities_are_kept_so_the_newest_text_is_formatted() -> None:
    rendered = render_markdown(" ".join(f"*i{number}*" for number in range(300)))
    for limit in (4096, 1000):
        formatted = keep_tail(rendered, limit)
        assert_valid(formatted)
        assert len(formatted.entities) == 100
        assert [covered(formatted, entity) for entity in formatted.entities][-2:] == ["i298", "i299"]
    assert keep_tail(rendered, 4096).text == rendered.text


def test_tail_of_text_that_fits_is_the_text() -> None:
    formatted = render_markdown("**short**")
    assert keep_tail(formatted, 100) is formatted
