"""The fake's text rules: what a user would see for a given text, parse_mode or entity list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.telegram import BotApiError, SentMessage, format_text, utf16_length
from tests.fakes.telegram.formatting import FormattedText


def covered(result: FormattedText) -> list[tuple[str, str]]:
    """(entity type, text it covers), the way a test of the bot would look at formatting."""
    message = SentMessage(1, 1, True, "text", result.text, result.entities, None, None, 0)
    return message.entity_texts()


def parse_error(text: str, **kwargs: Any) -> str:
    with pytest.raises(BotApiError) as caught:
        format_text(text, **kwargs)
    assert caught.value.error_code == 400
    return caught.value.description


def test_utf16_length_counts_an_emoji_outside_the_bmp_as_two() -> None:
    assert utf16_length("a😀é") == 4


def test_html_becomes_plain_text_with_nested_entities() -> None:
    result = format_text(
        '<b>Bold <i>both</i></b> &lt;tag&gt; <a href="https://example.com/?a=1&amp;b=2">link</a> '
        "<tg-spoiler>secret</tg-spoiler> <s>gone</s> <u>under</u>",
        parse_mode="HTML",
    )
    assert result.text == "Bold both <tag> link secret gone under"
    assert covered(result) == [
        ("bold", "Bold both"),
        ("italic", "both"),
        ("text_link", "link"),
        ("spoiler", "secret"),
        ("strikethrough", "gone"),
        ("underline", "under"),
    ]
    assert result.entities[2]["url"] == "https://example.com/?a=1&b=2"


def test_html_pre_takes_its_language_from_the_inner_code_class() -> None:
    result = format_text('<pre><code class="language-python">print(1)</code></pre>', parse_mode="HTML")
    assert result.entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


@pytest.mark.parametrize(
    "markup",
    ["<b>unclosed", "<b><i>crossed</b></i>", "</b>stray", "<blink>old</blink>", "1 <2", '<span class="x">s</span>'],
)
def test_broken_html_is_refused_like_telegram(markup: str) -> None:
    assert parse_error(markup, parse_mode="HTML").startswith("Bad Request: can't parse entities: ")


def test_markdown_v2_parses_every_entity_kind() -> None:
    source = r"*bold* _italic_ __under__ ~strike~ ||spoiler|| `code` [link](https://example.com) 1\.5\!"
    result = format_text(source, parse_mode="MarkdownV2")
    assert result.text == "bold italic under strike spoiler code link 1.5!"
    assert covered(result) == [
        ("bold", "bold"),
        ("italic", "italic"),
        ("underline", "under"),
        ("strikethrough", "strike"),
        ("spoiler", "spoiler"),
        ("code", "code"),
        ("text_link", "link"),
    ]


def test_markdown_v2_code_block_keeps_its_language_and_reserved_characters() -> None:
    result = format_text("```python\nx = a.b(1)\n```", parse_mode="MarkdownV2")
    assert result.text == "x = a.b(1)"
    assert result.entities == [{"type": "pre", "offset": 0, "length": 10, "language": "python"}]


def test_markdown_v2_quote_lines_become_one_blockquote() -> None:
    result = format_text(">first\n>second\nafter", parse_mode="MarkdownV2")
    assert covered(result) == [("blockquote", "first\nsecond")]


@pytest.mark.parametrize("markup", ["Price: 1.5", "a-b", "*open", "_a *b_ c*", "[text](https://x.org", "a|b"])
def test_markdown_v2_refuses_unescaped_or_unbalanced_markup(markup: str) -> None:
    assert parse_error(markup, parse_mode="MarkdownV2").startswith("Bad Request: can't parse entities: ")


def test_legacy_markdown_needs_no_escaping_but_closed_entities() -> None:
    result = format_text("*bold* and 1.5 - ok [x](example.com)", parse_mode="Markdown")
    assert covered(result) == [("bold", "bold"), ("text_link", "x")]
    assert result.entities[1]["url"] == "http://example.com"
    assert parse_error("*never closed", parse_mode="Markdown").startswith("Bad Request: can't parse entities: ")


def test_explicit_entities_are_kept_and_sorted_outer_first() -> None:
    entities = [{"type": "italic", "offset": 6, "length": 5}, {"type": "bold", "offset": 0, "length": 11}]
    result = format_text("Hello world", entities=entities)
    assert [e["type"] for e in result.entities] == ["bold", "italic"]


@pytest.mark.parametrize(
    ("entities", "why"),
    [
        ([{"type": "bold", "offset": 0, "length": 6}], "past the end"),
        ([{"type": "bold", "offset": -1, "length": 2}], "negative offset"),
        ([{"type": "bold", "offset": 0, "length": 0}], "empty"),
        ([{"type": "shiny", "offset": 0, "length": 2}], "unknown type"),
        ([{"type": "text_link", "offset": 0, "length": 2, "url": "not a url"}], "bad url"),
        ([{"type": "custom_emoji", "offset": 0, "length": 2}], "no custom_emoji_id"),
        ([{"type": "bold", "offset": 0, "length": 3}, {"type": "italic", "offset": 2, "length": 3}], "overlap"),
        ([{"type": "code", "offset": 0, "length": 5}, {"type": "bold", "offset": 1, "length": 2}], "inside code"),
    ],
)
def test_invalid_entities_are_refused(entities: list[dict[str, Any]], why: str) -> None:
    assert parse_error("Hello", entities=entities).startswith("Bad Request: can't parse entities: "), why


def test_entity_offsets_are_in_utf16_units() -> None:
    # "😀 hi": a bot counting code points would put "hi" at 2; Telegram counts 3.
    assert covered(format_text("😀 hi", entities=[{"type": "bold", "offset": 3, "length": 2}])) == [("bold", "hi")]
    assert parse_error("😀 hi", entities=[{"type": "bold", "offset": 4, "length": 2}])


def test_surrounding_whitespace_is_trimmed_and_entities_follow() -> None:
    result = format_text("  <b>hi</b> there \n", parse_mode="HTML")
    assert result.text == "hi there"
    assert covered(result) == [("bold", "hi")]


def test_empty_and_too_long_texts() -> None:
    assert parse_error("  \n ") == "Bad Request: message text is empty"
    assert parse_error("<b></b>", parse_mode="HTML") == "Bad Request: message text is empty"
    assert format_text("", allow_empty=True).text == ""
    assert format_text("😀" * 2048).text  # 4096 UTF-16 units: the limit exactly
    assert parse_error("😀" * 2048 + "!") == "Bad Request: message is too long"
    # The limit counts the text after parsing, not the markup.
    assert format_text("<b>" + "a" * 4096 + "</b>", parse_mode="HTML").text == "a" * 4096
