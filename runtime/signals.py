"""Graceful shutdown on SIGTERM / SIGINT."""

from __future__ import annotations

import logging
import signal

import anyio

from runtime.system import ActorSystem

log = logging.getLogger("runtime")


async def shutdown_on_signals(system: ActorSystem, *, on_first: tuple[signal.Signals, ...] | None = None) -> None:
    """Run until a signal: the first SIGTERM/SIGINT starts a graceful shutdown, a second cancels at once.

    Start it in a task group next to the service; it returns after the system
    began stopping, so it never keeps a finished service alive.
    """
    signals = on_first or (signal.SIGTERM, signal.SIGINT)
    with anyio.open_signal_receiver(*signals) as received:
        async for signum in received:
            if not system.stopping:
                log.info("received %s: stopping gracefully (again to stop at once)", signal.Signals(signum).name)
                system.request_shutdown()
            else:
                log.warning("received %s again: stopping at once", signal.Signals(signum).name)
                system.cancel()
                return
