"""UTF-16 offsets around emoji and other astral characters, Cyrillic, and markup cut off mid-stream."""

from __future__ import annotations

import pytest

from actors.telegram.formatting import Entity, FormattedText, render_markdown
from tests.formatting.helpers import assert_valid, covered, styled


def render(markdown: str) -> FormattedText:
    formatted = render_markdown(markdown)
    assert_valid(formatted)
    return formatted


def test_emoji_before_an_entity_counts_two_units() -> None:
    formatted = render("😀 **жирный** 👍🏽")
    assert formatted.text == "😀 жирный 👍🏽"
    assert formatted.entities == (Entity("bold", 3, 6),)
    assert formatted.utf16_length == 14


def test_family_emoji_inside_bold_is_covered_whole() -> None:
    formatted = render("**👨‍👩‍👧**")
    # three astral characters (2 units each) joined by two zero-width joiners
    assert formatted.entities == (Entity("bold", 0, 8),)
    assert covered(formatted, formatted.entities[0]) == "👨‍👩‍👧"


def test_link_after_emoji() -> None:
    formatted = render("🎉 [link](https://a.io) 🎉")
    assert formatted.entities == (Entity("text_link", 3, 4, url="https://a.io"),)


def test_mathematical_letters_are_astral_too() -> None:
    formatted = render("𝔸𝔹 *x*")
    assert formatted.entities == (Entity("italic", 5, 1),)


def test_cyrillic_text() -> None:
    formatted = render("**Привет**, мир! Это `код`.")
    assert formatted.text == "Привет, мир! Это код."
    assert styled(formatted) == [("bold", "Привет"), ("code", "код")]
    assert formatted.entities[1] == Entity("code", 17, 3)


def test_code_block_with_emoji() -> None:
    formatted = render("Start 🚀\n\n```\n🚀 go\n```")
    assert formatted.text == "Start 🚀\n\n🚀 go"
    assert formatted.entities == (Entity("pre", 10, 5),)


def test_unclosed_bold_stays_as_written() -> None:
    assert render("some **bold witho") == FormattedText("some **bold witho", ())


def test_unclosed_code_fence_renders_what_arrived_as_code() -> None:
    formatted = render("Here:\n\n```python\nprint(")
    assert formatted == FormattedText("Here:\n\nprint(", (Entity("pre", 7, 6, language="python"),))


def test_just_opened_code_fence_renders_nothing_yet() -> None:
    assert render("Here:\n\n```python\n") == FormattedText("Here:", ())


def test_half_written_link_stays_as_written() -> None:
    assert render("see [the docs](https://exa") == FormattedText("see [the docs](https://exa", ())


def test_half_written_table_is_text() -> None:
    assert render("| a | b |\n|---") == FormattedText("| a | b |\n|---", ())


def test_dunder_names_follow_markdown() -> None:
    # CommonMark reads __init__ as bold; models usually put such names in backticks.
    assert render("`__init__.py` and my_var_name").text == "__init__.py and my_var_name"


def test_multiplication_is_not_emphasis() -> None:
    assert render("2 * 3 * 4 = 24") == FormattedText("2 * 3 * 4 = 24", ())


def test_control_characters_become_spaces_as_telegram_shows_them() -> None:
    assert render("a\x07b\x1bc").text == "a b c"


@pytest.mark.parametrize(
    "markdown",
    [
        "*",
        "**",
        "***",
        "~~",
        "~~~~",
        "||",
        "`",
        "```",
        "> ",
        ">",
        "- ",
        "1.",
        "#",
        "![",
        "[",
        "](",
        "\\",
        "**a *b** c*",
        "***a**",
        "> > > > > > > > > > > > > > > > > > > > > > > > deep",
        "- " * 60 + "deep",
        "[" * 50 + "x" + "]" * 50,
        "*" * 200 + "x" + "*" * 200,
        "| a |\n|---|\n| ```x``` |",
        "```\n```\n```",
        "~~~python\nunclosed tilde fence",
        "\x00\x01\r\n\r",
    ],
)
def test_broken_markup_never_raises_and_gives_valid_entities(markdown: str) -> None:
    render(markdown)
