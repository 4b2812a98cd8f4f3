"""What previews of a streaming answer cost the bot: rendering it whole at every draft, or only what changed.

    uv run python -m bench.preview

A model's answer (Markdown: headings, paragraphs, lists, code, a table) arrives
in pieces of four characters, and the bot previews it every ``--every``
characters (at 50 tokens/s and a draft every 0.25 s, that is about every 50
characters). For answers of several lengths it prints the CPU time of all the
previews of one answer, of the slowest single preview (which holds the event
loop, and so every other chat's answer, for that long) and of rendering the
finished answer for its messages, with :func:`preview` and :func:`render_markdown`
(the whole answer rendered each time) and with :class:`StreamingPreview`; for answers in
sections (paragraphs, lists, code) and for one long paragraph (nothing in it settles).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from actors.telegram.formatting import FormattedText, StreamingPreview, preview, render_markdown

SECTION = """## Step {n}: configure the service

The service reads its **settings** from the environment; put them in `.env` and
restart it. A *missing* value stops it with a clear message 😀, so nothing runs half set up.
See [the guide](https://example.com/guide/{n}) for every option.

- `BOT_TOKEN`: the token from BotFather
- `OPENROUTER_API_KEY`: the key for the models

```python
settings = Settings()

print(settings.model_dump())
```

| option | default |
|--------|---------|
| model  | auto    |

"""


def answer_of(length: int) -> str:
    """A Markdown answer of about ``length`` characters, made of numbered sections."""
    text, n = "", 1
    while len(text) < length:
        text += SECTION.format(n=n)
        n += 1
    return text[:length]


def paragraph_of(length: int) -> str:
    """One paragraph of about ``length`` characters, with some inline markup and no blank line."""
    sentence = "The bot streams **this answer** into a draft while the model writes it, then sends it whole. "
    return (sentence * (length // len(sentence) + 1))[:length]


def cost(render: Callable[[str], FormattedText], markdown: str, every: int) -> tuple[float, float, int]:
    """CPU seconds of all the previews of ``markdown`` streamed in, the slowest one, and how many there were."""
    total, slowest, count = 0.0, 0.0, 0
    for end in [*range(every, len(markdown), every), len(markdown)]:
        started = time.thread_time()
        render(markdown[:end])
        spent = time.thread_time() - started
        total, slowest, count = total + spent, max(slowest, spent), count + 1
    return total, slowest, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=50, help="characters between previews")
    parser.add_argument("--lengths", default="500,1000,2000,4000,8000", help="answer lengths, comma-separated")
    args = parser.parse_args()
    print(f"a preview every {args.every} characters; CPU ms (thread time)")
    print(
        f"{'answer chars':>12} {'previews':>9} | {'whole: all':>11} {'slowest':>8} {'final':>6} | "
        f"{'streaming: all':>15} {'slowest':>8} {'final':>6}"
    )
    for kind, make in (("sections", answer_of), ("one paragraph", paragraph_of)):
        print(kind)
        for length in (int(value) for value in args.lengths.split(",")):
            markdown = make(length)
            whole, whole_max, count = cost(preview, markdown, args.every)
            whole_final = cost(render_markdown, markdown, len(markdown))[0]
            previews = StreamingPreview()
            streaming, streaming_max, _ = cost(previews.render, markdown, args.every)
            streaming_final = cost(previews.render_final, markdown, len(markdown))[0]
            print(
                f"{length:>12,} {count:>9} | {whole * 1000:>11.1f} {whole_max * 1000:>8.2f} "
                f"{whole_final * 1000:>6.2f} | {streaming * 1000:>15.1f} {streaming_max * 1000:>8.2f} "
                f"{streaming_final * 1000:>6.2f}"
            )


if __name__ == "__main__":
    main()
