"""Prompt building: the role's system prompt, the newest turns that fit, the question.

Pure code. Tokens are estimated, not counted: exact tokenizers differ per model
and tiktoken would download its encodings at run time. The estimate is
deliberately pessimistic (see :func:`estimate_tokens`), so a prompt that fits
the estimate fits the model; if a model still answers "context too long", the
caller rebuilds with ``trim_level`` raised, which halves the budget each time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MESSAGE_OVERHEAD_TOKENS = 4
"""Tokens each chat message costs beyond its text (role markers and separators)."""

GROUP_NOTE = (
    "\n\nThis is a group chat. Each user message starts with the sender's name and a colon; "
    "address people by name when it helps."
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the dialog as the model should see it."""

    speaker: Literal["user", "assistant"]
    text: str
    author: str | None = None
    """The sender's display name in groups; None in private chats."""


@dataclass(frozen=True, slots=True)
class PromptMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Prompt:
    messages: tuple[PromptMessage, ...]
    estimated_tokens: int
    dropped_turns: int
    """How many older turns did not fit and were left out."""


def estimate_tokens(text: str) -> int:
    """A pessimistic token count: whichever is larger of chars/3 and UTF-8 bytes/3.5.

    English averages about 4 characters per token; Cyrillic and code need more
    tokens per character, which the bytes term covers (Cyrillic letters are two
    bytes in UTF-8).
    """
    if not text:
        return 0
    return math.ceil(max(len(text) / 3, len(text.encode("utf-8")) / 3.5))


def _content(turn: Turn, group: bool) -> str:
    if group and turn.speaker == "user" and turn.author:
        return f"{turn.author}: {turn.text}"
    return turn.text


def build_prompt(
    system_prompt: str,
    history: Sequence[Turn],
    question: Turn,
    *,
    budget_tokens: int,
    group: bool = False,
    trim_level: int = 0,
) -> Prompt:
    """Build the messages for the model, newest history first until the budget is spent.

    The system prompt and the question are always included (a question larger
    than the whole budget is shortened, never dropped). ``trim_level`` n uses a
    budget of ``budget_tokens / 2**n`` for everything.
    """
    budget = max(budget_tokens // (2**trim_level), 64)
    system = system_prompt + (GROUP_NOTE if group else "")
    system_cost = estimate_tokens(system) + MESSAGE_OVERHEAD_TOKENS
    question_text = _content(question, group)
    room_for_question = max(budget - system_cost - MESSAGE_OVERHEAD_TOKENS, 32)
    question_text = shorten_to_tokens(question_text, room_for_question)
    used = system_cost + estimate_tokens(question_text) + MESSAGE_OVERHEAD_TOKENS

    kept: list[PromptMessage] = []
    dropped = len(history)
    for turn in reversed(history):
        content = _content(turn, group)
        cost = estimate_tokens(content) + MESSAGE_OVERHEAD_TOKENS
        if used + cost > budget:
            break
        kept.append(PromptMessage(turn.speaker, content))
        used += cost
        dropped -= 1
    kept.reverse()
    # Some providers reject a conversation that starts with an assistant turn.
    while kept and kept[0].role == "assistant":
        used -= estimate_tokens(kept[0].content) + MESSAGE_OVERHEAD_TOKENS
        kept.pop(0)
        dropped += 1
    messages = (PromptMessage("system", system), *kept, PromptMessage("user", question_text))
    return Prompt(messages=messages, estimated_tokens=used, dropped_turns=dropped)


def shorten_to_tokens(text: str, tokens: int) -> str:
    """``text`` cut to fit ``tokens`` (estimated), keeping its start and its end."""
    if estimate_tokens(text) <= tokens:
        return text
    marker = "\n[…]\n"
    # Each estimated token covers at least 3 characters of ASCII and 1.75 of Cyrillic.
    keep = max(int(tokens * 1.75) - len(marker), 2)
    while keep > 2 and estimate_tokens(text[: keep // 2] + marker + text[-(keep - keep // 2) :]) > tokens:
        keep = int(keep * 0.9)
    return text[: keep // 2] + marker + text[-(keep - keep // 2) :]
