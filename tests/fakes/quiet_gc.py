"""Keeping a fake server's garbage collections short, so that they never pass for the bot's delays.

A fake keeps a record of everything it was sent (every call, draft, update,
with its time), so its heap only grows. With CPython's default settings a
full collection then walks all of it, for 100 to 200 ms under the load
benchmark, and every answer in flight waits for the fake meanwhile: time the
benchmark counts as the bot's. Freezing what exists every second leaves the
collector only the young objects to look at. (Cycles frozen before they were
collected are never freed; a fake process lives for minutes.)
"""

from __future__ import annotations

import asyncio
import gc

FREEZE_INTERVAL = 1.0


async def freeze_periodically(interval: float = FREEZE_INTERVAL) -> None:
    """Forever: move everything allocated so far out of the collector's sight."""
    while True:
        gc.freeze()
        await asyncio.sleep(interval)
