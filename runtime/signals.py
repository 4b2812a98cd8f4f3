"""Graceful shutdown on SIGTERM / SIGINT."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable

import anyio
from anyio.abc import TaskStatus

from runtime.system import ActorSystem

log = logging.getLogger("runtime")


async def shutdown_on_signals(
    system: ActorSystem,
    *,
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
    on_first: Callable[[], None] | None = None,
    task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """The first signal stops gracefully, a second one cancels at once.

    The first calls ``on_first`` (by default ``system.request_shutdown``; a
    service that must stop something else first, such as taking new work,
    passes its own); the second cancels every actor (``system.cancel``) and
    returns. Start it with ``await tg.start(...)``: it reports started once the
    handlers are installed, so no signal after that is missed.
    """
    first = on_first or system.request_shutdown
    with anyio.open_signal_receiver(*signals) as received:
        task_status.started()
        asked = False
        async for signum in received:
            name = signal.Signals(signum).name
            if not asked:
                asked = True
                log.info("received %s: stopping gracefully (again to stop at once)", name)
                first()
            else:
                log.warning("received %s again: stopping at once", name)
                system.cancel()
                return
