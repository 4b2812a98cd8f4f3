"""Never silent: failover, the circuit breaker, hedging, and telling the user when both models are down."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import API_KEY, FALLBACK, PRIMARY, BotOverrides, Running, running_bot
from tests.e2e.test_observability import metrics
from tests.fakes.openrouter import FakeOpenRouter
from tests.fakes.telegram import User
from tests.support.waiting import eventually, rows, scalar

pytestmark = pytest.mark.anyio

ALICE = User(id=1001, first_name="Alice", language_code="en")
QUICK: BotOverrides = {
    "breaker_open_seconds": 1.0,
    "breaker_open_max_seconds": 4.0,
    "llm_first_token_timeout": 1.0,
    "llm_hedge_after": 30.0,
    "rate_limited_default_seconds": 2.0,
}


@pytest.fixture
async def bot(clean_db: AsyncEngine, database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running_bot(database_url, tmp_path, **QUICK) as running:
        yield running


async def ask(bot: Running, text: str, answers: int) -> str:
    await bot.tg.send_message(ALICE.id, text, user=ALICE)
    await bot.answered(answers, timeout=30)
    return (await bot.tg.bot_messages(ALICE.id))[-1].text or ""


async def outcomes(engine: AsyncEngine) -> list[tuple[str, str, bool]]:
    return [
        (r[0], r[1], r[2]) for r in await rows(engine, "SELECT model, outcome, is_fallback FROM llm_calls ORDER BY id")
    ]


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "fail", "status": 500},
        {"kind": "fail", "status": 502},
        {"kind": "fail", "status": 503},
        {"kind": "fail", "status": 502, "http_status": 200},  # an error in a 200 body
        {"kind": "malformed"},
        {"kind": "empty"},
        {"kind": "hang"},
        {"kind": "error_chunk"},
    ],
)
async def test_a_failing_primary_is_answered_by_the_fallback(
    bot: Running, clean_db: AsyncEngine, fault: dict[str, Any]
) -> None:
    kind = fault.pop("kind")
    await getattr(bot.llm, kind)(PRIMARY, times=1, **fault)
    answer = await ask(bot, "hello", 1)
    assert answer == "Echo: hello [messages: 2]"
    calls = await eventually(lambda: _calls_when(clean_db, 2))
    assert calls[0][0] == PRIMARY and calls[0][1] != "ok"
    assert calls[1] == (FALLBACK, "ok", True)
    assert await scalar(clean_db, "SELECT is_fallback FROM messages WHERE direction = 'out'") is True


async def test_a_stream_that_breaks_after_text_was_shown_is_replaced_cleanly(bot: Running) -> None:
    await bot.llm.script(PRIMARY, "The primary starts to answer and then " + "breaks " * 30)
    await bot.llm.tokens_per_second(PRIMARY, 60)
    await bot.llm.break_stream(PRIMARY, after_chars=120, times=1)
    await bot.llm.script(FALLBACK, "The fallback's complete answer, streamed as well.")
    await bot.llm.tokens_per_second(FALLBACK, 30)
    answer = await ask(bot, "go", 1)
    assert answer == "The fallback's complete answer, streamed as well."
    drafts = [d.text for d in await bot.tg.drafts(ALICE.id)]
    last_primary = max(i for i, text in enumerate(drafts) if text.startswith("The primary"))
    assert last_primary > 0, "the primary's text was shown first"
    later = drafts[last_primary + 1 :]
    assert later, "the fallback's answer streamed into the draft"
    assert all("primary" not in text for text in later), "replaced, not appended"
    assert later[-1].startswith("The fallback's complete")
    assert len(await bot.tg.bot_messages(ALICE.id)) == 1


async def test_the_breaker_opens_stops_calling_the_primary_and_closes_after_recovery(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options: BotOverrides = {**QUICK, "breaker_open_seconds": 3.0}
    async with running_bot(database_url, tmp_path, **options) as bot:
        await _open_then_recover(bot, clean_db)


async def _open_then_recover(bot: Running, clean_db: AsyncEngine) -> None:
    await bot.llm.fail(PRIMARY, 503)
    for i in range(3):
        assert (await ask(bot, f"q{i}", i + 1)).startswith(f"Echo: q{i}")
    assert len(await bot.llm.calls(PRIMARY)) == 3
    # Open: the next questions go straight to the fallback, costing no time on the primary.
    for i in range(3, 5):
        assert (await ask(bot, f"q{i}", i + 1)).startswith(f"Echo: q{i}")
    assert len(await bot.llm.calls(PRIMARY)) == 3, "no request may reach a model whose breaker is open"
    await bot.llm.clear(PRIMARY)
    opened = (await bot.llm.calls(PRIMARY))[2].at
    await anyio.sleep(max(0.0, opened + 3.1 - time.time()))  # the 3 s break is over: the next call is the probe
    assert (await ask(bot, "q5", 6)).startswith("Echo: q5")
    assert (await bot.llm.calls(PRIMARY))[-1].last_user_message == "q5"
    assert (await ask(bot, "q6", 7)).startswith("Echo: q6")
    assert (await bot.llm.calls(PRIMARY))[-1].last_user_message == "q6", "closed again: back on the primary"
    events = await eventually(lambda: _events_when(clean_db, 3))
    assert [(e[1], e[2]) for e in events[:3]] == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]
    assert all(e[0] == PRIMARY for e in events)


async def test_rate_limited_primary_is_routed_away_until_retry_after_without_counting_as_broken(
    bot: Running, clean_db: AsyncEngine
) -> None:
    await bot.llm.fail(PRIMARY, 429, retry_after=1.5, times=1)
    assert (await ask(bot, "one", 1)).startswith("Echo: one")
    assert (await ask(bot, "two", 2)).startswith("Echo: two")
    assert len(await bot.llm.calls(PRIMARY)) == 1, "within Retry-After the primary is not asked"
    await anyio.sleep(1.6)
    assert (await ask(bot, "three", 3)).startswith("Echo: three")
    assert (await bot.llm.calls(PRIMARY))[-1].last_user_message == "three"
    events = await rows(clean_db, "SELECT kind FROM model_events WHERE model = :m", m=PRIMARY)
    assert all(e[0] != "breaker" for e in events), "a rate limit is not a broken model"


@pytest.mark.parametrize(
    ("status", "retry_after", "loud"),
    [(401, None, True), (402, None, True), (402, 30.0, False)],  # 402 with Retry-After: a budget limit, not loud
)
async def test_a_bad_key_or_no_credits_routes_away_loudly(
    bot: Running,
    clean_db: AsyncEngine,
    status: int,
    retry_after: float | None,
    loud: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await bot.llm.fail(PRIMARY, status, retry_after=retry_after, times=1)
    assert (await ask(bot, "one", 1)).startswith("Echo: one")
    assert (await ask(bot, "two", 2)).startswith("Echo: two")
    assert len(await bot.llm.calls(PRIMARY)) == 1
    events = await eventually(
        lambda: rows(clean_db, "SELECT model, kind, reason FROM model_events WHERE kind = 'route_away'")
    )
    assert [(e[0], e[1]) for e in events] == [(PRIMARY, "route_away")]
    assert events[0][2].startswith("misconfigured" if loud else "rate limited")
    loud_count = (await metrics(bot)).get(f"assistant_model_misconfigured_total{{model={PRIMARY}}}", 0)
    assert loud_count == (1 if loud else 0)
    errors = [r for r in caplog.records if r.levelname == "ERROR" and PRIMARY in r.getMessage()]
    assert bool(errors) is loud
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    ("status", "reply"),
    [
        (403, "Sorry, I can't help with that request."),
        (400, "Sorry, I couldn't process this request. Please try rephrasing it."),
    ],
)
async def test_moderation_and_bad_requests_get_an_apology_and_are_not_routed_around(
    bot: Running, clean_db: AsyncEngine, status: int, reply: str
) -> None:
    await bot.llm.fail(PRIMARY, status, times=1)
    await bot.tg.send_message(ALICE.id, "something", user=ALICE)
    [apology] = await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    assert apology.text == reply
    assert await bot.llm.calls(FALLBACK) == []
    await bot.tg.wait_for_no_pending_updates()
    assert (await ask(bot, "next", 1)).startswith("Echo: next"), "the breaker did not count it"


async def test_a_context_too_long_is_trimmed_and_retried_on_the_same_model(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options: BotOverrides = {**QUICK, "llm_context_tokens": 4000}
    async with running_bot(database_url, tmp_path, **options) as bot:
        for i in range(6):
            await ask(bot, f"question {i} " + "long words " * 100, i + 1)
        await bot.llm.context_too_long(PRIMARY, max_prompt_chars=4000)
        answer = await ask(bot, "the last one", 7)
        assert answer.startswith("Echo: the last one")
        calls = await bot.llm.calls(PRIMARY)
        assert calls[-2].outcome == "context_too_long"
        assert sum(len(m["content"]) for m in calls[-1].messages) <= 4000
        assert await bot.llm.calls(FALLBACK) == []


async def test_both_down_tells_the_user_when_to_retry_and_answers_later_by_itself(
    bot: Running, clean_db: AsyncEngine
) -> None:
    await bot.llm.fail(None, 503)
    assert (await metrics(bot))["assistant_both_down_incidents_total{}"] == 0
    started = anyio.current_time()
    await bot.tg.send_message(ALICE.id, "are you there?", user=ALICE)
    [notice] = await bot.tg.wait_for_bot_messages(ALICE.id, 1, timeout=15)
    assert anyio.current_time() - started < 8, "the user hears back within a few seconds"
    assert (notice.text or "").startswith("Both of my language models are unavailable right now.")
    assert "Please try again a little later." in (notice.text or ""), "no breaker is open yet: no made-up wait"
    assert "answer it automatically" in (notice.text or "")
    await bot.llm.clear()
    await bot.answered(1, timeout=30)
    deferred = (await bot.tg.bot_messages(ALICE.id))[-1]
    assert (deferred.text or "").startswith("The models are back. Here is the answer to your question:")
    assert "Echo: are you there?" in (deferred.text or "")
    kinds = [r[0] for r in await rows(clean_db, "SELECT kind FROM model_events WHERE model = '*' ORDER BY id")]
    assert kinds[:2] == ["both_down", "both_down_end"]
    assert (await metrics(bot))["assistant_both_down_incidents_total{}"] == 1


async def test_every_call_is_recorded_with_its_timing_tokens_and_cost(bot: Running, clean_db: AsyncEngine) -> None:
    await bot.llm.fail(PRIMARY, 500, times=1)
    await ask(bot, "hello", 1)
    await ask(bot, "again", 2)
    sql = (
        "SELECT model, outcome, is_fallback, is_hedge, latency_ms, ttft_ms, prompt_tokens, completion_tokens,"
        " cost, generation_id, chat_id FROM llm_calls ORDER BY id"
    )
    found = await eventually(lambda: _rows_when(clean_db, sql, 3))
    failed, rescued, direct = found
    assert (failed.model, failed.outcome, failed.is_fallback, failed.chat_id) == (
        PRIMARY,
        "server_error",
        False,
        ALICE.id,
    )
    assert failed.latency_ms is not None and failed.ttft_ms is None and failed.cost is None
    served = [c for c in await bot.llm.calls() if c.outcome == "ok"]
    for row, call, model, fallback in ((rescued, served[0], FALLBACK, True), (direct, served[1], PRIMARY, False)):
        assert (row.model, row.outcome, row.is_fallback, row.is_hedge) == (model, "ok", fallback, False)
        assert row.ttft_ms is not None and row.latency_ms >= row.ttft_ms >= 0
        assert call.usage is not None
        assert (row.prompt_tokens, row.completion_tokens) == (
            call.usage["prompt_tokens"],
            call.usage["completion_tokens"],
        )
        assert row.cost == Decimal(str(call.usage["cost"])) and row.cost > 0
        assert row.generation_id == call.generation_id


async def test_when_both_hang_the_user_is_told_before_their_timeouts_and_answered_later(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    # Told after twice the hedge delay of silence (2 s here), long before either first-token timeout (6 s).
    options: BotOverrides = {**QUICK, "llm_hedge_after": 1.0, "llm_first_token_timeout": 6.0}
    async with running_bot(database_url, tmp_path, **options) as bot:
        await bot.llm.hang(None, times=2)
        await bot.tg.send_message(ALICE.id, "anyone?", user=ALICE)
        [notice] = await bot.tg.wait_for_bot_messages(ALICE.id, 1, timeout=15)
        assert not any(call.finished for call in await bot.llm.calls()), "told while both calls were still waiting"
        assert (notice.text or "").startswith(
            "Both of my language models are unavailable right now. Please try again a little later."
        ), "no breaker is open yet: no made-up wait"
        assert "answer it automatically" in (notice.text or "")
        await bot.answered(1, timeout=30)
        messages = [m.text or "" for m in await bot.tg.bot_messages(ALICE.id)]
        assert len(messages) == 2, "one notice, then the answer: the timeouts that followed did not repeat it"
        assert messages[1].startswith("The models are back. Here is the answer to your question:")
        assert "Echo: anyone?" in messages[1]
        calls = [(r[0], r[1]) for r in await rows(clean_db, "SELECT model, outcome FROM llm_calls ORDER BY id")]
        assert sorted(calls[:2]) == [(FALLBACK, "timeout"), (PRIMARY, "timeout")]
        assert calls[2:] == [(PRIMARY, "ok")], "the kept question, asked again once the models answer"


async def test_when_both_are_slow_the_user_is_told_and_the_late_answer_follows(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options: BotOverrides = {**QUICK, "llm_hedge_after": 1.0, "llm_first_token_timeout": 20.0}
    async with running_bot(database_url, tmp_path, **options) as bot:
        await bot.llm.hang(PRIMARY, times=1)
        await bot.llm.first_token_delay(FALLBACK, 3.0, times=1)
        await bot.tg.send_message(ALICE.id, "slowly", user=ALICE)
        notice, answer = await bot.tg.wait_for_bot_messages(ALICE.id, 2, timeout=20)
        assert (notice.text or "").startswith("Both of my language models are unavailable right now.")
        assert answer.text == "The models are back. Here is the answer to your question:\n\nEcho: slowly [messages: 2]"
        calls = await eventually(lambda: _hedges_when(clean_db, 2))
        assert sorted(calls) == [(FALLBACK, "ok", True), (PRIMARY, "timeout", False)]


async def test_every_question_asked_while_both_are_down_is_answered_in_order_once_one_is_back(bot: Running) -> None:
    await bot.llm.fail(None, 503)
    for text in ("first question", "second question"):
        await bot.tg.send_message(ALICE.id, text, user=ALICE)
    notices = await bot.tg.wait_for_bot_messages(ALICE.id, 2, timeout=15)
    assert all((n.text or "").startswith("Both of my language models") for n in notices)
    await bot.llm.clear()
    await bot.answered(2, timeout=30)
    answers = [m.text or "" for m in (await bot.tg.bot_messages(ALICE.id))[2:]]
    assert [a.split("\n\n", 1)[1].split(" [")[0] for a in answers] == ["Echo: first question", "Echo: second question"]


async def test_a_slow_primary_is_hedged_by_the_fallback(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options: BotOverrides = {**QUICK, "llm_hedge_after": 0.5, "llm_first_token_timeout": 20}
    async with running_bot(database_url, tmp_path, **options) as hedged:
        before = await metrics(hedged)
        await hedged.llm.first_token_delay(PRIMARY, 10)
        started = anyio.current_time()
        await hedged.tg.send_message(ALICE.id, "quick!", user=ALICE)
        await hedged.answered(1, timeout=15)
        assert anyio.current_time() - started < 5
        assert (await hedged.tg.bot_messages(ALICE.id))[-1].text == "Echo: quick! [messages: 2]"
        calls = await eventually(lambda: _calls_when(clean_db, 2))
        # The primary stayed silent past the hedge and lost: that counts as slow, not as nothing.
        assert sorted(calls) == sorted([(PRIMARY, "timeout", False), (FALLBACK, "ok", True)])
        assert await scalar(clean_db, "SELECT bool_or(is_hedge) FROM llm_calls") is True
        after = await metrics(hedged)
        for series in (
            "assistant_hedges_total{}",
            f"assistant_llm_latency_seconds_count{{model={FALLBACK}}}",
            f"assistant_llm_time_to_first_token_seconds_count{{model={FALLBACK}}}",
            f"assistant_llm_latency_seconds_count{{model={PRIMARY}}}",
        ):
            assert after[series] == before.get(series, 0) + 1, series


async def test_a_hanging_primary_opens_its_breaker_and_later_answers_skip_the_hedge(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options: BotOverrides = {**QUICK, "llm_hedge_after": 0.5, "llm_first_token_timeout": 60, "breaker_open_seconds": 60}
    async with running_bot(database_url, tmp_path, **options) as bot:
        await bot.llm.hang(PRIMARY)
        for i in range(5):
            assert await ask(bot, f"q{i}", i + 1) == f"Echo: q{i} [messages: {2 * i + 2}]"
        assert len(await bot.llm.calls(PRIMARY)) == 3, "three silent calls opened the breaker; then none"
        calls = await eventually(lambda: _hedges_when(clean_db, 8))
        assert calls[:6] == [(PRIMARY, "timeout", False), (FALLBACK, "ok", True)] * 3
        assert calls[6:] == [(FALLBACK, "ok", False)] * 2, "straight to the fallback: no hedge, no wait"
        [opened] = await eventually(lambda: _events_when(clean_db, 1))
        assert opened == (PRIMARY, "closed", "open")


async def test_the_fallback_on_another_provider_survives_an_openrouter_outage(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with FakeOpenRouter(api_key="local-key") as local:
        options: BotOverrides = {**QUICK, "llm_fallback_base_url": local.base_url, "llm_fallback_api_key": "local-key"}
        async with running_bot(database_url, tmp_path, **options) as bot:
            await bot.llm.fail(None, 502)  # all of OpenRouter is down
            assert (await ask(bot, "still there?", 1)) == "Echo: still there? [messages: 2]"
            assert len(await local.calls(FALLBACK)) == 1


async def test_an_optional_note_marks_answers_from_the_fallback(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options: BotOverrides = {**QUICK, "fallback_note": True}
    async with running_bot(database_url, tmp_path, **options) as bot:
        await bot.llm.fail(PRIMARY, 500, times=1)
        answer = await ask(bot, "hi", 1)
        assert answer.endswith("— Answered by the backup model.")
        assert await ask(bot, "again", 2) == "Echo: again [messages: 4]"


async def _calls_when(engine: AsyncEngine, count: int) -> list[tuple[str, str, bool]] | None:
    found = await outcomes(engine)
    return found if len(found) >= count else None


async def _hedges_when(engine: AsyncEngine, count: int) -> list[tuple[str, str, bool]] | None:
    """(model, outcome, is_hedge) of every call, in the order the calls ended, once there are ``count``."""
    found = await rows(engine, "SELECT model, outcome, is_hedge FROM llm_calls ORDER BY id")
    return [(r[0], r[1], r[2]) for r in found] if len(found) >= count else None


async def _rows_when(engine: AsyncEngine, sql: str, count: int) -> list[Any] | None:
    found = await rows(engine, sql)
    return found if len(found) >= count else None


async def _events_when(engine: AsyncEngine, count: int) -> list[Any] | None:
    found = await rows(
        engine, "SELECT model, from_state, to_state FROM model_events WHERE kind = 'breaker' ORDER BY at, id"
    )
    return found if len(found) >= count else None
