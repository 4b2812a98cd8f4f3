"""How responsive the bot's event loop is: how busy it is, how late it runs timers, and the collector's pauses.

Every answer in flight shares one event loop. Anything that holds it (a long
computation, blocking I/O, a garbage collection) delays all of them at once,
which shows in the tail of reply times long before it shows in averages.
Both figures go to ``/metrics`` so that operators can see such stalls.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio

LAG_INTERVAL = 0.05
"""Seconds between the lag probe's timers."""
BUSY_INTERVAL = 1.0
"""Seconds over which the busy probe measures."""


async def watch_loop_lag(observe: Callable[[float], None], *, interval: float = LAG_INTERVAL) -> None:
    """Forever: sleep ``interval`` and report how much later than asked the loop woke us."""
    while True:
        started = anyio.current_time()
        await anyio.sleep(interval)
        observe(max(0.0, anyio.current_time() - started - interval))


async def watch_loop_busy(observe: Callable[[float], None], *, interval: float = BUSY_INTERVAL) -> None:
    """Forever: every ``interval``, report the share of it (0 to 1) the event loop's thread spent on the CPU.

    Near 1, every step of every answer queues behind the others: the loop has
    no time to spare. Waiting for the network costs no CPU, so it does not count.
    """
    wall, cpu = time.monotonic(), time.thread_time()
    while True:
        await anyio.sleep(interval)
        now, used = time.monotonic(), time.thread_time()
        observe(min(1.0, (used - cpu) / (now - wall)) if now > wall else 0.0)
        wall, cpu = now, used


@contextmanager
def gc_pauses_reported(observe: Callable[[int, float], None]) -> Iterator[None]:
    """While active, report each garbage collection: its generation and how long it stopped the process."""
    started = 0.0

    def callback(phase: str, info: dict[str, Any]) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        else:
            observe(int(info["generation"]), time.perf_counter() - started)

    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)
