"""Prompt building: the role, the newest history that fits, and the question."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from actors.prompt import Turn, build_prompt, estimate_tokens, shorten_to_tokens


def dialog(n: int) -> list[Turn]:
    return [Turn("user" if i % 2 == 0 else "assistant", f"message number {i} " * 5) for i in range(n)]


def test_short_dialogs_go_in_whole_and_in_order() -> None:
    prompt = build_prompt("Be brief.", dialog(4), Turn("user", "and now?"), budget_tokens=4000)
    assert [m.role for m in prompt.messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert prompt.messages[0].content == "Be brief."
    assert prompt.messages[-1].content == "and now?"
    assert prompt.dropped_turns == 0


def test_the_oldest_turns_are_dropped_first_when_over_budget() -> None:
    history = dialog(200)
    prompt = build_prompt("system", history, Turn("user", "question"), budget_tokens=500)
    kept = [m.content for m in prompt.messages[1:-1]]
    assert kept, "some history must fit"
    assert kept == [t.text for t in history[len(history) - len(kept) :]]
    assert prompt.dropped_turns == 200 - len(kept)
    assert prompt.estimated_tokens <= 500


def test_history_never_starts_with_an_assistant_turn() -> None:
    history = dialog(41)[1:]  # starts with an assistant turn
    prompt = build_prompt("s", history, Turn("user", "q"), budget_tokens=10_000)
    assert prompt.messages[1].role == "user"


def test_system_prompt_and_question_survive_even_a_tiny_budget() -> None:
    question = "x" * 10_000
    prompt = build_prompt("You are a pirate.", dialog(10), Turn("user", question), budget_tokens=100)
    assert prompt.messages[0].content == "You are a pirate."
    assert prompt.messages[-1].role == "user"
    assert prompt.messages[-1].content.startswith("xxx") and prompt.messages[-1].content.endswith("xxx")
    assert len(prompt.messages) == 2


def test_trimming_harder_halves_the_budget() -> None:
    history = dialog(200)
    normal = build_prompt("s", history, Turn("user", "q"), budget_tokens=4000)
    harder = build_prompt("s", history, Turn("user", "q"), budget_tokens=4000, trim_level=1)
    assert harder.estimated_tokens <= 2000 < normal.estimated_tokens


def test_group_turns_say_who_said_what() -> None:
    history = [Turn("user", "I like tea", author="Anna"), Turn("assistant", "Noted!")]
    prompt = build_prompt("s", history, Turn("user", "And I coffee", author="Boris"), budget_tokens=4000, group=True)
    contents = [m.content for m in prompt.messages]
    assert contents[1] == "Anna: I like tea"
    assert contents[2] == "Noted!"
    assert contents[3] == "Boris: And I coffee"
    assert "group chat" in contents[0]


def test_cyrillic_is_estimated_more_expensive_than_latin() -> None:
    assert estimate_tokens("привет " * 100) > estimate_tokens("hello! " * 100)


@given(st.text(min_size=0, max_size=3000), st.integers(min_value=10, max_value=500))
def test_shortening_always_fits_and_keeps_both_ends(text: str, tokens: int) -> None:
    short = shorten_to_tokens(text, tokens)
    if estimate_tokens(text) <= tokens:
        assert short == text
    else:
        assert estimate_tokens(short) <= tokens
        assert text.startswith(short[:1])
        assert text.endswith(short[-1:])
