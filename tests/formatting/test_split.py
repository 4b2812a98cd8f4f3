"""Long answers split into messages at the places a reader would choose."""

from __future__ import annotations

import pytest

from actors.telegram.formatting import Entity, FormattedText, render_markdown, split_message
from tests.formatting.helpers import assert_valid, covered


def split(formatted: FormattedText, limit: int, **options: int) -> list[FormattedText]:
    parts = split_message(formatted, limit, **options)
    for part in parts:
        assert part.utf16_length <= limit
        assert part.text.strip()
        assert_valid(part)
    assert "".join(part.text for part in parts) == formatted.text
    return parts


def test_text_that_fits_is_one_part() -> None:
    formatted = render_markdown("**short** answer")
    assert split(formatted, 4096) == [formatted]


def test_blank_text_gives_no_parts() -> None:
    assert split_message(FormattedText("")) == []
    assert split_message(FormattedText("   \n ")) == []


def test_limit_must_fit_an_emoji() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        split_message(FormattedText("abc"), 1)


def test_splits_between_paragraphs_and_whitespace_ends_the_earlier_part() -> None:
    paragraphs = [f"Paragraph {name} has some words in it." for name in "ABC"]
    parts = split(FormattedText("\n\n".join(paragraphs)), 90)
    assert [part.text for part in parts] == [
        f"{paragraphs[0]}\n\n{paragraphs[1]}\n\n",
        paragraphs[2],
    ]


def test_fills_parts_instead_of_sending_one_paragraph_each() -> None:
    paragraphs = ["x" * 99 + "." for _ in range(10)]
    parts = split(FormattedText("\n\n".join(paragraphs)), 450)
    assert [part.text.count(".") for part in parts] == [4, 4, 2]


def test_splits_at_a_line_break_when_no_blank_line_fits() -> None:
    lines = [f"line {number} of the poem" for number in range(10)]
    parts = split(FormattedText("\n".join(lines)), 70)
    assert all(part.text.endswith("\n") for part in parts[:-1])
    assert parts[0].text == "\n".join(lines[:3]) + "\n"


def test_splits_at_a_sentence_end_rather_than_any_space() -> None:
    text = "The first sentence is long enough to matter. The second one is longer than the first."
    parts = split(FormattedText(text), 60)
    assert [part.text for part in parts] == [
        "The first sentence is long enough to matter. ",
        "The second one is longer than the first.",
    ]


def test_splits_at_a_space_rather_than_inside_a_word() -> None:
    words = " ".join(f"word{number}" for number in range(40))
    parts = split(FormattedText(words), 50)
    assert len(parts) > 1
    for part in parts:
        assert all(token.startswith("word") and token[4:].isdigit() for token in part.text.split())


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    parts = split(FormattedText("x" * 100), 30)
    assert [len(part.text) for part in parts] == [30, 30, 30, 10]


def test_hard_cuts_never_split_a_surrogate_pair() -> None:
    parts = split(FormattedText("😀" * 30), 25)
    assert [part.utf16_length for part in parts] == [24, 24, 12]


def test_hard_cuts_keep_emoji_sequences_whole() -> None:
    family = "👨‍👩‍👧"  # 8 UTF-16 units
    parts = split(FormattedText(family * 5), 20)
    assert [part.text for part in parts] == [family * 2, family * 2, family]


def test_an_entity_crossing_a_cut_continues_in_the_next_part() -> None:
    formatted = render_markdown("Intro. **" + " ".join(["bold"] * 30) + "** outro.")
    parts = split(formatted, 60)
    bold_words = [covered(part, entity) for part in parts for entity in part.entities if entity.type == "bold"]
    assert " ".join(bold_words).split() == ["bold"] * 30


def test_a_long_code_block_becomes_a_valid_code_block_in_every_part() -> None:
    code = "\n".join(f"value_{number} = compute({number})" for number in range(40))
    formatted = render_markdown(f"```python\n{code}\n```")
    parts = split(formatted, 200)
    assert len(parts) > 4
    for part in parts:
        assert len(part.entities) == 1
        pre = part.entities[0]
        assert (pre.type, pre.language, pre.offset) == ("pre", "python", 0)
        assert covered(part, pre) == part.text.rstrip()
    assert [line for part in parts for line in part.text.splitlines()] == code.splitlines()


def test_an_indented_code_line_starting_a_part_keeps_its_indentation() -> None:
    body = "\n".join(f"    step_{number}()" for number in range(20))
    formatted = render_markdown(f"```python\ndef run():\n{body}\n```")
    parts = split(formatted, 100)
    for part in parts[1:]:
        assert part.text.startswith("    step_")
        assert part.entities[0] == Entity("pre", 0, len(part.text.rstrip()), language="python")


def test_a_blockquote_split_in_two_stays_a_blockquote() -> None:
    formatted = render_markdown("> " + " ".join(f"quoted{number}." for number in range(20)))
    parts = split(formatted, 60)
    for part in parts:
        assert [(entity.type, entity.offset) for entity in part.entities] == [("blockquote", 0)]


def test_each_part_keeps_within_telegrams_entity_limit() -> None:
    formatted = render_markdown(" ".join(f"**w{number}**" for number in range(250)))
    parts = split(formatted, 4096, max_entities=100)
    assert [len(part.entities) for part in parts] == [100, 100, 50]


def test_whitespace_too_long_to_share_a_part_with_text_is_dropped() -> None:
    parts = split_message(FormattedText("a" + " " * 50 + "b"), 20)
    assert [part.text.strip() for part in parts] == ["a", "b"]
    assert all(part.utf16_length <= 20 for part in parts)
