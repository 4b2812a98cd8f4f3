"""The edges: plain text for the fallback, aiogram entities for sending, and no aiogram import cost in the core."""

from __future__ import annotations

import subprocess
import sys

from actors.telegram.formatting import plain_text, render_markdown, to_aiogram_entities


def test_plain_text_is_what_the_user_reads_without_formatting() -> None:
    assert plain_text(render_markdown("**Hi** [there](https://a.io)!")) == "Hi there!"


def test_entities_convert_to_aiogram_with_their_url_and_language() -> None:
    formatted = render_markdown("[go](https://a.io)\n\n```py\nx\n```")
    converted = to_aiogram_entities(formatted.entities)
    assert [entity.model_dump(exclude_none=True) for entity in converted] == [
        {"type": "text_link", "offset": 0, "length": 2, "url": "https://a.io"},
        {"type": "pre", "offset": 4, "length": 1, "language": "py"},
    ]


def test_rendering_does_not_import_aiogram() -> None:
    script = (
        "import sys; from actors.telegram.formatting import render_markdown, split_message;"
        "split_message(render_markdown('**x**')); print('aiogram' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"
