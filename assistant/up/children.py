"""Child processes under supervision: prefixed output, restarts with backoff, a clean stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import anyio.abc


# -- restarts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestartPolicy:
    max_restarts: int = 5
    """More restarts than this within ``within`` seconds: give up."""
    within: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 30.0
    stable_after: float = 30.0
    """A run at least this long counts as healthy: the next crash starts the backoff afresh."""


@dataclass(frozen=True)
class RestartDecision:
    restart: bool
    delay: float
    recent: int
    """Restarts within the policy's window, counting this one if it happens."""


def decide_restart(policy: RestartPolicy, earlier: Sequence[float], now: float, ran_for: float) -> RestartDecision:
    """Whether (and after how long) to restart a child that just exited after ``ran_for`` seconds.

    ``earlier``: when the previous restarts happened (same clock as ``now``).
    """
    recent = sum(1 for moment in earlier if now - moment < policy.within)
    if recent >= policy.max_restarts:
        return RestartDecision(restart=False, delay=0.0, recent=recent)
    streak = 0 if ran_for >= policy.stable_after else recent
    delay = min(policy.first_delay * 2**streak, policy.max_delay)
    return RestartDecision(restart=True, delay=delay, recent=recent + 1)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "an unknown status"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


# -- output -------------------------------------------------------------------------------------------


class LineSplitter:
    """Bytes in, complete lines out (a line split across reads is kept until its end arrives)."""

    def __init__(self, max_line: int = 64 * 1024) -> None:
        self._pending = b""
        self._max_line = max_line

    def feed(self, chunk: bytes) -> list[str]:
        data = self._pending + chunk
        *complete, self._pending = data.split(b"\n")
        if len(self._pending) > self._max_line:  # a runaway line without newline: show it in pieces
            complete.append(self._pending)
            self._pending = b""
        return [_decode(line) for line in complete]

    def flush(self) -> list[str]:
        rest, self._pending = self._pending, b""
        return [_decode(rest)] if rest else []


def _decode(line: bytes) -> str:
    return line.decode("utf-8", errors="replace").rstrip("\r")


COLOURS = {"up": "1", "bot": "36", "api": "35", "web": "33"}


class Output:
    """Every line of every child, and ``up``'s own, prefixed with who said it."""

    def __init__(self, stream: TextIO, width: int = 3) -> None:
        self.stream = stream
        self.width = width
        self.colour = stream.isatty() and os.environ.get("NO_COLOR") is None

    def line(self, name: str, text: str) -> None:
        prefix = f"{name.ljust(self.width)} |"
        if self.colour:
            prefix = f"\x1b[{COLOURS.get(name, '0')}m{prefix}\x1b[0m"
        self.stream.write(f"{prefix} {text}\n" if text else f"{prefix}\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        self.line("up", text)


@dataclass(frozen=True)
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    ready_url: str = ""
    """Polled after the start; ``up`` says when it answers."""


# -- running ------------------------------------------------------------------------------------------


@dataclass
class State:
    stop: anyio.Event
    hurry: anyio.Event
    """Set by a second Ctrl-C: children are killed at once."""
    failed: str | None = None

    def fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
        self.stop.set()


async def _pump(stream: anyio.abc.ByteReceiveStream, name: str, output: Output) -> None:
    import anyio

    splitter = LineSplitter()
    try:
        async for chunk in stream:
            for line in splitter.feed(chunk):
                output.line(name, line)
    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
        pass
    for line in splitter.flush():
        output.line(name, line)


async def _first(*waits: Callable[[], Awaitable[object]]) -> None:
    """Wait until the first of ``waits`` returns; cancel the others."""
    import anyio

    async with anyio.create_task_group() as tg:

        async def run(wait: Callable[[], Awaitable[object]]) -> None:
            await wait()
            tg.cancel_scope.cancel()

        for wait in waits:
            tg.start_soon(run, wait)


async def _stop_process(process: anyio.abc.Process, state: State, deadline: float) -> None:
    """SIGTERM to the child's process group; SIGKILL after ``deadline`` seconds or a second Ctrl-C."""
    import anyio

    async def too_late() -> None:
        with anyio.move_on_after(deadline):
            await state.hurry.wait()
        _signal_group(process.pid, signal.SIGKILL)
        await process.wait()

    _signal_group(process.pid, signal.SIGTERM)
    await _first(process.wait, too_late)
    # Whatever the child left in its group (an npm script's workers) goes with it.
    _signal_group(process.pid, signal.SIGKILL)


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, signum)


async def run_child(
    name: str,
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    output: Output,
    state: State,
    deadline: float,
    announce: bool = False,
) -> int | None:
    """Run one child to its end with prefixed output; stop it when ``state.stop`` is set.

    Returns its exit code, or None if it was stopped by ``up``.
    """
    import anyio

    # stderr into stdout: one stream keeps the child's lines in order. A session of its own:
    # a Ctrl-C in the terminal reaches only `up`, which stops each child once, in order.
    process = await anyio.open_process(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
    )
    if announce:
        output.say(f"started {name} (pid {process.pid})")
    stopped_by_us = False
    pumped = anyio.Event()
    try:
        async with anyio.create_task_group() as tg:

            async def pump() -> None:
                assert process.stdout is not None
                await _pump(process.stdout, name, output)
                pumped.set()

            tg.start_soon(pump)
            await _first(process.wait, state.stop.wait)
            if process.returncode is None:
                stopped_by_us = True
                with anyio.CancelScope(shield=True):
                    await _stop_process(process, state, deadline)
            with anyio.move_on_after(2):  # a grandchild may hold the pipe open: do not wait for it forever
                await pumped.wait()
            tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                await _stop_process(process, state, 0)
            await process.aclose()
    return None if stopped_by_us else process.returncode


async def supervise(
    child: Child | Callable[[], Awaitable[Child | None]],
    *,
    output: Output,
    state: State,
    policy: RestartPolicy,
    deadline: float,
) -> None:
    """Keep ``child`` running until ``state.stop``; restart it with backoff; give up per ``policy``.

    ``child`` may be a preparation (the dashboard's build) that gives the child, or None if it failed.
    """
    import anyio

    if not isinstance(child, Child):
        prepared = await child()
        if prepared is None:
            return
        child = prepared
    restarts: list[float] = []
    while not state.stop.is_set():
        started = time.monotonic()
        code = await run_child(
            child.name,
            child.command,
            env=child.env,
            cwd=child.cwd,
            output=output,
            state=state,
            deadline=deadline,
            announce=True,
        )
        if state.stop.is_set() or code is None:
            return
        now = time.monotonic()
        decision = decide_restart(policy, restarts, now, now - started)
        if not decision.restart:
            state.fail(
                f"{child.name} exited with {describe_exit(code)} and was restarted {decision.recent} times "
                f"within {policy.within:g} s: giving up (its last lines above say why)"
            )
            return
        restarts.append(now)
        output.say(
            f"{child.name} exited with {describe_exit(code)}; restarting in {decision.delay:g} s "
            f"(restart {decision.recent} of at most {policy.max_restarts} within {policy.within:g} s)"
        )
        with anyio.move_on_after(decision.delay):
            await state.stop.wait()
