"""The pace of outgoing messages, as pure logic with an explicit clock (no sleeping, no network).

Telegram's limits, as the fake Telegram enforces them: a token bucket of 1
message a second with bursts of 3 per chat, at most 20 messages in any 60
seconds per group, at most 30 in any second overall.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.telegram import pacing
from actors.telegram.pacing import Limits, Pacer, Window

GROUP = -100777


def book(pacer: Pacer, chat_id: int, now: float, count: int = 1) -> list[float]:
    """Book ``count`` messages to ``chat_id`` at ``now``; the moments they may be sent."""
    return [now + pacer.reserve(chat_id, now) for _ in range(count)]


ROUNDING = 1e-9
"""Seconds of float error allowed at a window's edge: a test knows a booked moment only as
``now + wait``, which can land an ulp before the moment the pacer booked (seen by hypothesis:
61.66129301718462 for 61.661293017184626, exactly 60 s after an earlier booking)."""


def most_in_any_window(times: list[float], period: float) -> int:
    """The largest number of ``times`` inside one half-open window ``[t, t + period)``."""
    ordered, most, first = sorted(times), 0, 0
    for last, t in enumerate(ordered):
        while t - ordered[first] >= period - ROUNDING:
            first += 1
        most = max(most, last - first + 1)
    return most


def fits_bucket(times: list[float], rate: float, burst: float) -> bool:
    """True if a token bucket (``rate`` a second, ``burst`` saved up) admits every one of ``times``."""
    tokens, last = burst, None
    for t in sorted(times):
        if last is not None:
            tokens = min(burst, tokens + (t - last) * rate)
        if tokens < 1 - 1e-9:
            return False
        tokens, last = tokens - 1, t
    return True


def test_a_chat_gets_a_short_burst_then_about_one_message_a_second() -> None:
    pacer = Pacer()
    waits = [pacer.reserve(1, 0.0) for _ in range(6)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([1 / 0.95, 2 / 0.95, 3 / 0.95])
    assert pacer.reserve(1, 100.0) == 0.0, "an idle chat has its burst back"


def test_a_group_gets_at_most_20_messages_in_any_minute() -> None:
    pacer = Pacer()
    times = book(pacer, GROUP, 0.0, 45)
    assert most_in_any_window(times, 60.0) <= 20
    assert fits_bucket(times, 1.0, 3)
    # ...and no slower than needed: 19 a minute (the 95% margin), 45 messages in under three minutes.
    assert max(times) < 180


def test_the_bot_sends_at_most_30_messages_in_any_second_overall() -> None:
    pacer = Pacer()
    times = [t for chat in range(1, 201) for t in book(pacer, chat, 0.0)]
    assert most_in_any_window(times, 1.0) <= 30
    assert sorted(times)[27] == 0.0, "a burst of up to 28 (95% of 30) goes at once"
    assert max(times) < 200 / 28 + 1


def test_a_busy_chat_does_not_hold_back_the_others() -> None:
    pacer = Pacer()
    backlog = book(pacer, 1, 0.0, 20)
    assert max(backlog) > 15, "the busy chat's messages are booked far ahead"
    assert pacer.reserve(2, 0.5) == 0.0
    assert pacer.reserve(GROUP, 0.5) == 0.0


def test_retry_after_holds_that_chat_and_only_that_chat() -> None:
    pacer = Pacer()
    pacer.hold(1, 0.0, 5.0)
    assert pacer.reserve(1, 1.0) == pytest.approx(4.0)
    assert pacer.reserve(2, 1.0) == 0.0


def test_configured_limits_are_kept() -> None:
    pacer = Pacer(Limits(global_per_second=10, chat_per_second=2, chat_burst=1, group_per_minute=5))
    chat = book(pacer, 1, 0.0, 5)
    assert chat == pytest.approx([i / (2 * 0.95) for i in range(5)])
    group = book(pacer, GROUP, 0.0, 12)
    assert most_in_any_window(group, 60.0) <= 5
    everyone = [t for c in range(100, 140) for t in book(pacer, c, 0.0)]
    assert most_in_any_window(everyone + chat + group, 1.0) <= 10


def test_a_fraction_of_a_message_a_second_overall() -> None:
    pacer = Pacer(Limits(global_per_second=0.5))
    times = [t for chat in range(1, 5) for t in book(pacer, chat, 0.0)]
    assert times == pytest.approx([0.0, 2 / 0.95, 4 / 0.95, 6 / 0.95])


def test_a_window_fills_gaps_between_earlier_bookings() -> None:
    window = Window(limit=2, period=10.0)
    window.book(0.0)
    window.book(20.0)
    assert window.earliest(5.0) == 5.0, "between two far bookings there is room"
    window.book(5.0)
    assert window.earliest(6.0) == 10.0, "[0, 10) already holds two"
    window.book(10.0)
    assert window.earliest(11.0) == 15.0
    window.forget(25.0)
    assert window.times == [20.0]


def test_idle_chats_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pacing, "MAX_TRACKED_CHATS", 100)
    pacer = Pacer()
    for chat in range(1000):
        pacer.reserve(chat, chat * 10.0)
    assert pacer.tracked_chats <= 101


arrivals = st.lists(
    st.tuples(st.floats(min_value=0, max_value=2, allow_nan=False), st.sampled_from([1, 2, 3, GROUP, GROUP - 1])),
    max_size=150,
)


@given(arrivals=arrivals)
def test_whatever_arrives_every_booking_keeps_every_limit(arrivals: list[tuple[float, int]]) -> None:
    pacer = Pacer(Limits(global_per_second=8, group_per_minute=6))
    now, booked, per_chat = 0.0, [], dict[int, list[float]]()
    for gap, chat in arrivals:
        now += gap
        wait = pacer.reserve(chat, now)
        assert wait >= 0
        booked.append(now + wait)
        per_chat.setdefault(chat, []).append(now + wait)
    assert most_in_any_window(booked, 1.0) <= 8
    for chat, times in per_chat.items():
        assert fits_bucket(times, 1.0, 3), chat
        if chat < 0:
            assert most_in_any_window(times, 60.0) <= 6, chat
