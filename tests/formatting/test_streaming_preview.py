"""Previews of a growing answer: the same as rendering it whole each time, for any text and any pace."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.telegram.formatting import StreamingPreview, preview, render_markdown
from tests.formatting.helpers import assert_valid
from tests.formatting.test_properties import SETTINGS, answers

ANSWER = """# Setting up the project

Here is how to get **started** with `uv` and a *clean* environment. It takes a minute 😀.

1. Install it:

2. Create the project and add what it needs.

- tight item one
- tight item with a [link](https://example.com/docs)

> A quote that says something wise,
> over two lines.

```python
def main() -> None:

    print("a blank line above me is still code")
```

| tool | why |
|------|-----|
| uv   | fast |

Some ||hidden|| text, ~~struck~~ text, and a final paragraph that goes on for a while
and ends with **bold that arrives in pieces**.
"""


def stream(markdown: str, step: int, limit: int = 4096) -> None:
    """Preview ``markdown`` as it arrives ``step`` characters at a time, then render it finished;
    each preview, and the finished answer, as if rendered whole."""
    previews = StreamingPreview(limit)
    for end in [*range(step, len(markdown), step), len(markdown)]:
        shown = previews.render(markdown[:end])
        assert shown == preview(markdown[:end], limit), repr(markdown[:end])
        assert_valid(shown)
    assert previews.render_final(markdown) == render_markdown(markdown)


@pytest.mark.parametrize("step", [1, 4, 37])
def test_a_long_answer_streamed_previews_as_if_rendered_whole_each_time(step: int) -> None:
    stream(ANSWER * 3, step)


def test_an_answer_longer_than_a_message_previews_its_newest_part() -> None:
    stream(ANSWER * 12, 50, limit=1000)


@pytest.mark.parametrize("first", [ANSWER, "```python\nx = 1\n\n", "Hi\n\n"])
def test_an_answer_that_starts_over_previews_the_new_text_only(first: str) -> None:
    previews = StreamingPreview()
    previews.render(first)
    restarted = "```\ncode\n\nmore code\n```\n\nAnother model answers **from the start**.\n\nAnd more."
    for end in range(1, len(restarted) + 1):
        assert previews.render(restarted[:end]) == preview(restarted[:end])


def test_a_finished_answer_that_grew_past_its_last_preview_renders_whole() -> None:
    previews = StreamingPreview()
    previews.render(ANSWER[:700])
    assert previews.render_final(ANSWER) == render_markdown(ANSWER)
    assert previews.render_final("A different answer.") == render_markdown("A different answer.")


def test_a_reference_link_defined_below_still_links_the_text_above() -> None:
    markdown = "See [the docs][docs] first.\n\nMore text here.\n\n[docs]: https://example.com/docs\n\nAnd after."
    stream(markdown, 3)
    assert any(entity.url == "https://example.com/docs" for entity in StreamingPreview().render(markdown).entities)


@SETTINGS
@given(answers, st.integers(8, 80), st.sampled_from([100, 4096]))
def test_any_answer_at_any_pace_previews_as_if_rendered_whole(markdown: str, step: int, limit: int) -> None:
    stream(markdown, step, limit)
