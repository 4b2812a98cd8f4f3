"""Answering leaves no reference cycles behind, so the bot never stalls to collect them.

Objects caught in a cycle are freed only by CPython's cyclic garbage
collector, which stops everything while it runs. Under load, answers that
left their state in cycles (cancelled tasks, markdown-it's syntax trees,
httpx's streamed responses) made it run for 50 to 100 ms every few seconds:
every answer in flight waited.
"""

from __future__ import annotations

import gc
from collections import Counter

import pytest

from actors.telegram.formatting_markdown import render_markdown
from tests.e2e.harness import PRIMARY, Running
from tests.fakes.telegram import User

pytestmark = pytest.mark.anyio

# Objects an answer owns (a cancelled task's frames hold the answer's own objects, so they show
# here too). aiohttp's own cycles when a server closes an idle connection are not the answers'.
OURS = ("actors.", "runtime.", "httpx", "markdown_it")


def test_rendering_markdown_leaves_no_cycles() -> None:
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(20):
            render_markdown("**Short answer:** it depends on `the settings`.\n\n- first\n- second\n\n> quoted")
        gc.collect()
        left = _ours(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == {}


async def test_streamed_answers_leave_no_cycles(bot: Running) -> None:
    alice = User(id=4242, first_name="Alice")
    await bot.llm.script(PRIMARY, "**Streamed** answer with `code` and a list:\n\n- one\n- two\n\n" + "words " * 40)
    await bot.llm.tokens_per_second(PRIMARY, 60)
    await bot.tg.send_message(alice.id, "warm up", user=alice)  # the chat's actor and its connections
    await bot.tg.wait_for_bot_messages(alice.id, 1, timeout=20)

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for number in range(3):
            await bot.tg.send_message(alice.id, f"question {number}", user=alice)
            await bot.tg.wait_for_bot_messages(alice.id, 2 + number, timeout=20)
        assert len(await bot.tg.drafts(alice.id)) >= 6, "the answers streamed through several drafts"
        gc.collect()
        left = _ours(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == {}


def _ours(garbage: list[object]) -> Counter[str]:
    """The garbage's objects of OURS by type: what else a test run leaves (other tests' servers
    and threads finishing meanwhile) is not the answers' doing, and counting it made this flaky."""
    names = (f"{type(o).__module__}.{type(o).__qualname__}" for o in garbage)
    return Counter(name for name in names if name.startswith(OURS))
