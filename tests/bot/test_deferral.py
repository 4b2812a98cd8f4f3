"""The questions kept while both models are down."""

from __future__ import annotations

from datetime import UTC, datetime

from actors.chat.deferral import DeferredQuestions, both_down_text
from actors.chat.messages import Incoming, Person, Where
from actors.i18n import Translator


def question(update_id: int) -> Incoming:
    return Incoming(update_id, update_id, Where(1, "private"), Person(1, "A"), f"q{update_id}", 0.0, datetime.now(UTC))


def test_questions_are_kept_in_order_and_answered_one_by_one() -> None:
    kept = DeferredQuestions(window=600)
    for update_id in (1, 2, 3):
        assert kept.keep(question(update_id), now=0) is None
    assert kept.keep(question(2), now=1) is None, "a question kept twice is kept once"
    assert len(kept) == 3
    first = kept.first()
    assert first is not None and first.update_id == 1
    kept.answered(1)
    second = kept.first()
    assert second is not None and second.update_id == 2


def test_the_oldest_makes_room_when_full() -> None:
    kept = DeferredQuestions(window=600, limit=2)
    kept.keep(question(1), now=0)
    kept.keep(question(2), now=0)
    evicted = kept.keep(question(3), now=0)
    assert evicted is not None and evicted.update_id == 1
    assert len(kept) == 2


def test_questions_expire_after_the_window() -> None:
    kept = DeferredQuestions(window=10)
    kept.keep(question(1), now=0)
    kept.keep(question(2), now=5)
    assert [q.update_id for q in kept.expired(now=12)] == [1]
    assert [q.update_id for q in kept.expired(now=16)] == [2]
    assert kept.first() is None


def test_only_the_newest_timer_counts() -> None:
    kept = DeferredQuestions(window=10)
    old = kept.new_timer()
    new = kept.new_timer()
    assert old != new and kept.token == new


def test_the_both_down_notice_gives_a_wait_only_when_a_breaker_knows_it() -> None:
    translate = Translator()
    unknown = both_down_text(translate, 0, 600, "en")
    assert unknown.startswith("Both of my language models are unavailable right now. Please try again a little later.")
    assert "in about" not in unknown and "(within 10 min)" in unknown
    assert "через" not in both_down_text(translate, 3, 600, "ru") and "чуть позже" in both_down_text(
        translate, 3, 600, "ru"
    )
    assert "try again in about 45 s." in both_down_text(translate, 45, 600, "en")
    assert "примерно через 5 мин" in both_down_text(translate, 300, 600, "ru")
    assert both_down_text(translate, 0, 0, "en") == (
        "Both of my language models are unavailable right now. Please try again a little later."
    )
    assert both_down_text(translate, 120, 0, "en").endswith("try again in about 2 min.")
