"""The event loop's busy probe, on the real clock: a loop that waits is idle, one that computes is busy."""

from __future__ import annotations

import time
from functools import partial

import anyio
import pytest

from actors.responsiveness import watch_loop_busy

pytestmark = pytest.mark.anyio


class Observations:
    def __init__(self) -> None:
        self.values: list[float] = []
        self._new = anyio.Event()

    def __call__(self, busy: float) -> None:
        self.values.append(busy)
        self._new.set()

    async def next(self) -> float:
        await self._new.wait()
        self._new = anyio.Event()
        return self.values[-1]


async def test_the_busy_probe_tells_a_loop_that_waits_from_one_that_computes() -> None:
    seen = Observations()
    async with anyio.create_task_group() as tg:
        tg.start_soon(partial(watch_loop_busy, seen, interval=0.2))
        waiting = await seen.next()  # the loop had nothing to do but sleep
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:  # computing without giving the loop back
            pass
        working = await seen.next()
        tg.cancel_scope.cancel()
    assert 0 <= waiting < 0.3
    assert 0.6 < working <= 1
