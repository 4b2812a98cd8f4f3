"""What a user sees for each Markdown construct a model writes: exact text and entities."""

from __future__ import annotations

import pytest

from actors.telegram.formatting import Entity, FormattedText, render_markdown
from tests.formatting.helpers import assert_valid, styled


def render(markdown: str) -> FormattedText:
    formatted = render_markdown(markdown)
    assert_valid(formatted)
    return formatted


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    formatted = render("First paragraph.\n\n\n\nSecond paragraph.")
    assert formatted == FormattedText("First paragraph.\n\nSecond paragraph.", ())


def test_a_single_line_break_stays_a_line_break() -> None:
    assert render("one\ntwo").text == "one\ntwo"


@pytest.mark.parametrize("markdown", ["line one  \nline two", "line one\\\nline two"])
def test_hard_line_breaks_become_newlines(markdown: str) -> None:
    assert render(markdown).text == "line one\nline two"


def test_bold_with_asterisks_and_underscores() -> None:
    formatted = render("Say **hello** and __bye__")
    assert formatted.text == "Say hello and bye"
    assert formatted.entities == (Entity("bold", 4, 5), Entity("bold", 14, 3))


def test_italic_with_asterisks_and_underscores() -> None:
    formatted = render("*one* and _two_")
    assert formatted.text == "one and two"
    assert formatted.entities == (Entity("italic", 0, 3), Entity("italic", 8, 3))


def test_bold_italic_nests() -> None:
    formatted = render("**bold *both***")
    assert formatted.text == "bold both"
    assert formatted.entities == (Entity("bold", 0, 9), Entity("italic", 5, 4))


def test_strikethrough() -> None:
    formatted = render("~~gone~~ stays")
    assert formatted == FormattedText("gone stays", (Entity("strikethrough", 0, 4),))


def test_spoiler() -> None:
    formatted = render("The killer is ||the butler||.")
    assert formatted == FormattedText("The killer is the butler.", (Entity("spoiler", 14, 10),))


def test_logical_or_is_not_a_spoiler() -> None:
    assert render("a || b || c").entities == ()


def test_inline_code() -> None:
    formatted = render("Run `pip install x` now")
    assert formatted == FormattedText("Run pip install x now", (Entity("code", 4, 13),))


def test_inline_code_entity_does_not_cover_padding_spaces() -> None:
    formatted = render("a `  x  ` b")
    assert formatted.text == "a  x  b"
    assert formatted.entities == (Entity("code", 3, 1),)


def test_bold_around_code_is_cut_around_it() -> None:
    # Telegram allows nothing around code but a blockquote; the code loses nothing.
    formatted = render("**use `make` now**")
    assert formatted.text == "use make now"
    assert styled(formatted) == [("bold", "use"), ("code", "make"), ("bold", "now")]


def test_fenced_code_block_keeps_its_language() -> None:
    formatted = render("```python\nprint('hi')\n```")
    assert formatted == FormattedText("print('hi')", (Entity("pre", 0, 11, language="python"),))


def test_code_block_between_paragraphs() -> None:
    formatted = render("Example:\n```js\nlet a = 1;\n```\nDone.")
    assert formatted.text == "Example:\n\nlet a = 1;\n\nDone."
    assert formatted.entities == (Entity("pre", 10, 10, language="js"),)


def test_code_keeps_blank_lines_indentation_and_no_trailing_spaces() -> None:
    formatted = render("```\nif x:   \n\n\n\n    go()\n```")
    assert formatted.text == "if x:\n\n\n\n    go()"
    assert formatted.entities == (Entity("pre", 0, 17),)


def test_tabs_in_code_become_spaces_telegram_would_collapse() -> None:
    assert render("```go\nfunc f() {\n\treturn\n}\n```").text == "func f() {\n    return\n}"


def test_code_block_whose_first_line_is_indented_keeps_the_indentation() -> None:
    formatted = render("Snippet:\n\n```\n    nested()\nend()\n```")
    assert formatted.text == "Snippet:\n\n    nested()\nend()"
    assert formatted.entities == (Entity("pre", 10, 18),)


def test_indented_code_block() -> None:
    formatted = render("Text\n\n    x = 1\n    y = 2")
    assert formatted == FormattedText("Text\n\nx = 1\ny = 2", (Entity("pre", 6, 11),))


def test_headings_become_bold_lines() -> None:
    formatted = render("# Title\nBody\n## Sub *part*")
    assert formatted.text == "Title\n\nBody\n\nSub part"
    assert styled(formatted) == [("bold", "Title"), ("bold", "Sub part"), ("italic", "part")]


def test_bold_inside_a_heading_does_not_nest_bold_in_bold() -> None:
    formatted = render("## Step **one**")
    assert formatted == FormattedText("Step one", (Entity("bold", 0, 8),))


def test_bullet_list_with_nesting() -> None:
    formatted = render("- one\n- two\n  - nested\n    - deeper\n- three")
    assert formatted.text == "• one\n• two\n  ◦ nested\n    ▪ deeper\n• three"


def test_numbered_list_keeps_its_start_and_indents_nested_items() -> None:
    formatted = render("3. first\n4. second\n   - inner")
    assert formatted.text == "3. first\n4. second\n   ◦ inner"


def test_loose_list_keeps_blank_lines_between_items() -> None:
    assert render("- a\n\n- b").text == "• a\n\n• b"


def test_list_item_continuation_lines_are_indented() -> None:
    assert render("- long\n  continued\n- next").text == "• long\n  continued\n• next"


def test_task_list_items_show_boxes() -> None:
    assert render("- [ ] todo\n- [x] done").text == "☐ todo\n☑ done"


def test_code_block_inside_a_list_item_starts_on_its_own_line() -> None:
    formatted = render("1. Install:\n   ```bash\n   pip install x\n   ```\n2. Run")
    assert formatted.text == "1. Install:\npip install x\n2. Run"
    assert formatted.entities == (Entity("pre", 12, 13, language="bash"),)


def test_blockquote() -> None:
    formatted = render("> quoted **text**\n\nafter")
    assert formatted.text == "quoted text\n\nafter"
    assert formatted.entities == (Entity("blockquote", 0, 11), Entity("bold", 7, 4))


def test_nested_blockquotes_join_the_outer_one() -> None:
    formatted = render("> a\n> > b")
    assert formatted == FormattedText("a\n\nb", (Entity("blockquote", 0, 4),))


def test_code_inside_a_blockquote_is_allowed() -> None:
    formatted = render("> see `x`")
    assert styled(formatted) == [("blockquote", "see x"), ("code", "x")]


def test_link_to_a_web_page() -> None:
    formatted = render("Read [the docs](https://example.com/docs).")
    assert formatted.text == "Read the docs."
    assert formatted.entities == (Entity("text_link", 5, 8, url="https://example.com/docs"),)


def test_link_with_styles_inside() -> None:
    formatted = render("[**big** deal](https://x.org)")
    assert formatted.entities == (Entity("text_link", 0, 8, url="https://x.org"), Entity("bold", 0, 3))


def test_code_inside_a_link_keeps_the_link() -> None:
    formatted = render("[`cmd`](https://x.org)")
    assert formatted == FormattedText("cmd", (Entity("text_link", 0, 3, url="https://x.org"),))


def test_telegram_links_are_clickable() -> None:
    formatted = render("[me](tg://user?id=1)")
    assert formatted.entities == (Entity("text_link", 0, 2, url="tg://user?id=1"),)


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("[file](/docs/x.md)", "file (/docs/x.md)"),
        ("[write me](mailto:me@example.com)", "write me (me@example.com)"),
        ("[me@example.com](mailto:me@example.com)", "me@example.com"),
        ("<me@example.com>", "me@example.com"),
        ("[ftp](ftp://files.example.com/a)", "ftp (ftp://files.example.com/a)"),
        ("[nothing]()", "nothing"),
    ],
)
def test_links_telegram_would_refuse_show_their_address(markdown: str, text: str) -> None:
    assert render(markdown) == FormattedText(text, ())


def test_javascript_links_are_not_links() -> None:
    assert render("[x](javascript:alert(1))") == FormattedText("[x](javascript:alert(1))", ())


def test_link_without_text_shows_its_address() -> None:
    formatted = render("[](https://example.com)")
    assert formatted == FormattedText("https://example.com", (Entity("text_link", 0, 19, url="https://example.com"),))


def test_autolink() -> None:
    formatted = render("see <https://example.com/a>")
    assert formatted == FormattedText(
        "see https://example.com/a", (Entity("text_link", 4, 21, url="https://example.com/a"),)
    )


def test_images_become_their_alt_text_linking_to_the_picture() -> None:
    formatted = render("![a cat](https://img.example/cat.png)")
    assert formatted == FormattedText("a cat", (Entity("text_link", 0, 5, url="https://img.example/cat.png"),))


def test_image_with_a_relative_address() -> None:
    assert render("![diagram](diagram.png)") == FormattedText("diagram (diagram.png)", ())


def test_horizontal_rule() -> None:
    assert render("above\n\n---\n\nbelow").text == "above\n\n———\n\nbelow"


def test_table_becomes_an_aligned_monospace_block() -> None:
    formatted = render("| Name | Qty |\n|------|----:|\n| apple | 3 |\n| kiwi | 12 |")
    assert formatted.text == "Name  │ Qty\n──────┼────\napple │   3\nkiwi  │  12"
    assert formatted.entities == (Entity("pre", 0, len(formatted.text)),)


def test_table_cells_lose_styles_but_keep_text() -> None:
    formatted = render("| **a** | [b](https://b.io) |\n|---|---|\n| `c` | d |")
    assert formatted.text == "a │ b\n──┼──\nc │ d"
    assert [entity.type for entity in formatted.entities] == ["pre"]


def test_table_columns_count_wide_characters_twice() -> None:
    formatted = render("| 名前 | x |\n|---|---|\n| ab | y |")
    assert formatted.text == "名前 │ x\n─────┼──\nab   │ y"


def test_html_is_shown_as_text() -> None:
    assert render("Use <b>bold</b> &amp; <br>") == FormattedText("Use <b>bold</b> & <br>", ())


def test_markdown_inside_html_still_renders() -> None:
    formatted = render("<div>\n**x**\n</div>")
    assert formatted == FormattedText("<div>\nx\n</div>", (Entity("bold", 6, 1),))


def test_no_blank_lines_at_the_ends_and_no_trailing_spaces() -> None:
    formatted = render("  \n\nText   \n\n\n\n   \n\nMore  \n\n  ")
    assert formatted.text == "Text\n\nMore"


def test_heading_entity_does_not_cover_surrounding_spaces() -> None:
    assert render("#   Title   ") == FormattedText("Title", (Entity("bold", 0, 5),))


def test_empty_input() -> None:
    assert render("") == FormattedText("", ())
    assert render(" \n\n ") == FormattedText("", ())
