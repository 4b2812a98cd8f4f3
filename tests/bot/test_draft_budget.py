"""The bot-wide draft budget, simulated on a virtual clock (no sleeping, no network).

Answers use the budget the way the painter does: a first draft when the
answer's text first appears, then a draft after every ``spacing`` until the
answer ends.
"""

from __future__ import annotations

import heapq
import itertools
import math

import pytest

from actors.telegram.draft_budget import DraftBudget

INTERVAL = 0.25


def simulate(
    budget: DraftBudget, starts: list[float], duration: float, interval: float = INTERVAL
) -> dict[int, list[float]]:
    """Answer ``i`` shows its first draft at ``starts[i]`` and streams for ``duration`` s; its draft times."""
    drafts: dict[int, list[float]] = {i: [] for i in range(len(starts))}
    events = [(start, 0, i) for i, start in enumerate(starts)]  # (time, kind: 0 draft / 1 end, answer)
    heapq.heapify(events)
    while events:
        now, kind, answer = heapq.heappop(events)
        if kind == 1:
            budget.finished()
            continue
        first = not drafts[answer]
        drafts[answer].append(now)
        if first:
            budget.first()
            heapq.heappush(events, (now + duration, 1, answer))
        end = starts[answer] + duration
        following = now + budget.spacing(interval)
        if following < end:
            heapq.heappush(events, (following, 0, answer))
    return drafts


def most_in_one_second(times: list[float]) -> int:
    ordered, most, first = sorted(times), 0, 0
    for last, t in enumerate(ordered):
        while t - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def steady(rate: float, seconds: float) -> list[float]:
    """Answers starting at a steady ``rate`` a second for ``seconds``."""
    return [i / rate for i in range(int(rate * seconds))]


def test_under_light_load_every_answer_drafts_at_the_configured_interval() -> None:
    budget = DraftBudget(300)
    drafts = simulate(budget, steady(10, 20), duration=2.0)
    for times in drafts.values():
        assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([INTERVAL] * (len(times) - 1))
        assert len(times) == 8
    assert budget.streaming == 0


def test_under_heavy_load_all_drafts_together_keep_within_the_budget() -> None:
    # 100 answers starting a second, each streaming 2 s: 800 drafts a second at the plain interval.
    budget = DraftBudget(300)
    drafts = simulate(budget, steady(100, 30), duration=2.0)
    times = [t for answer in drafts.values() for t in answer]
    busy = [t for t in times if 5.0 <= t < 30.0]  # after the ramp-up, while answers keep starting
    assert most_in_one_second(busy) <= 300 + 100, "the budget, plus the first drafts of the answers starting"
    assert len(busy) / 25.0 >= 0.9 * 300, "the budget is used, not wasted"


def test_the_first_draft_of_every_answer_goes_at_once_however_busy() -> None:
    budget = DraftBudget(50)  # less than the first drafts alone
    starts = steady(100, 10)
    drafts = simulate(budget, starts, duration=2.0)
    assert [times[0] for times in drafts.values()] == starts
    assert budget.spacing(INTERVAL) == INTERVAL, "every answer ended: nothing is held back any more"


def test_answers_share_the_budget_fairly() -> None:
    budget = DraftBudget(200)
    drafts = simulate(budget, steady(50, 20), duration=3.0)
    counts = [len(times) for i, times in drafts.items() if 5 * 50 <= i < 15 * 50]  # answers of the steady state
    assert max(counts) - min(counts) <= 1


def test_when_the_load_passes_answers_draft_at_the_interval_again() -> None:
    budget = DraftBudget(100)
    burst = steady(200, 2)  # 400 answers within two seconds
    calm = [30.0 + i for i in range(5)]
    drafts = simulate(budget, burst + calm, duration=2.0)
    assert budget.streaming == 0
    for i in range(len(burst), len(burst) + len(calm)):
        times = drafts[i]
        assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([INTERVAL] * (len(times) - 1))


def test_no_budget_means_the_interval_alone() -> None:
    budget = DraftBudget()
    for _ in range(10_000):
        budget.first()
    assert budget.spacing(INTERVAL) == INTERVAL
    assert math.isinf(budget.per_second)


def test_nonsense_budgets_are_refused() -> None:
    for value in (0, -1, math.nan):
        with pytest.raises(ValueError):
            DraftBudget(value)
