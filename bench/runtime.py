"""Benchmark of the actor runtime against raw anyio memory object streams.

    uv run python -m bench.runtime [--runs 3] [--quick]

Prints, for asyncio and trio side by side: messages/s through one actor with
``tell`` and with ``send``, ``ask`` round trips/s, spawns/s, and memory per idle
live actor, next to the same figures for raw streams and tasks measured in the
same run, then each goal of the runtime issue as MET or MISSED.

Two raw consumers are shown: the idiomatic ``async for`` loop, and a fast path
that drains the buffer with ``receive_nowait`` and hands each message to the
same handler the actor has (the fair comparison for throughput). ``tell: actor``
runs without metrics; ``tell: actor, timed`` with an observer that times every
message, as the services' metrics do. A spawn counts until the new actor (or
raw task) is waiting for its first message, not merely scheduled.

Each figure is measured in a fresh process (spawning 100,000 tasks touches about
a gigabyte of new memory, and a heap warmed by an earlier case would flatter
whichever case runs later), ``--runs`` times, interleaved; the median is shown.
The garbage collector is tuned as the services tune it (see
``assistant/gc_tuning.py``) for every measurement, raw ones included.
``--quick`` is a smoke run: tiny sizes, once, in this process.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream

from assistant.gc_tuning import tune_gc
from runtime import Actor, ActorRef, ActorSystem, Observer, Registry

Result = dict[str, float]


class Sink(Actor[int, int]):
    """Counts messages; sets ``done`` at ``target``; replies with the count."""

    def __init__(self, target: int, done: anyio.Event) -> None:
        self.count = 0
        self.target = target
        self.done = done

    async def receive(self, message: int) -> int:
        self.count += 1
        if self.count == self.target:
            self.done.set()
        return self.count


class Idle(Actor[int, None]):
    async def receive(self, message: int) -> None:
        return None


# -- raw baselines --------------------------------------------------------------


async def _consume_async_for(receive: MemoryObjectReceiveStream[int], target: int, done: anyio.Event) -> None:
    count = 0
    async for _ in receive:
        count += 1
        if count == target:
            done.set()


async def _consume_fast(receive: MemoryObjectReceiveStream[int], target: int, done: anyio.Event) -> None:
    """Drain with ``receive_nowait``, hand each message to the same handler the actor has."""
    handler = Sink(target, done)
    handled = 0
    while True:
        try:
            item = receive.receive_nowait()
        except anyio.WouldBlock:
            item = await receive.receive()
        await handler.receive(item)
        handled += 1
        if handled == 64:
            handled = 0
            await anyio.lowlevel.checkpoint()


Consumer = Callable[[MemoryObjectReceiveStream[int], int, anyio.Event], Coroutine[Any, Any, None]]
"""Reads ``target`` items from the stream, then sets the event."""


async def raw_throughput(n: int, consumer: Consumer, *, backpressure: bool) -> float:
    send, receive = anyio.create_memory_object_stream[int](1000 if backpressure else n)
    done = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(consumer, receive, n, done)
        await anyio.lowlevel.checkpoint()
        started = time.perf_counter()
        for i in range(n):
            if backpressure:
                await send.send(i)
            else:
                send.send_nowait(i)
        await done.wait()
        elapsed = time.perf_counter() - started
        tg.cancel_scope.cancel()
    return n / elapsed


async def raw_round_trips(n: int) -> float:
    requests, inbox = anyio.create_memory_object_stream[tuple[int, Any]](100)

    async def server() -> None:
        async for value, reply in inbox:
            await reply.send(value)

    async with anyio.create_task_group() as tg:
        tg.start_soon(server)
        started = time.perf_counter()
        for i in range(n):
            reply_send, reply_receive = anyio.create_memory_object_stream[int](1)
            await requests.send((i, reply_send))
            await reply_receive.receive()
        elapsed = time.perf_counter() - started
        tg.cancel_scope.cancel()
    return n / elapsed


async def raw_spawns(n: int) -> float:
    async with anyio.create_task_group() as tg:
        started = time.perf_counter()
        streams = []
        for _ in range(n):
            send, receive = anyio.create_memory_object_stream[int](100)
            streams.append(send)
            tg.start_soon(_consume_async_for, receive, -1, anyio.Event())
        await _settle(lambda i: streams[i].statistics().tasks_waiting_receive == 1, n)
        elapsed = time.perf_counter() - started
        _check_all_waiting(lambda i: streams[i].statistics().tasks_waiting_receive == 1, n)
        tg.cancel_scope.cancel()
    return n / elapsed


async def raw_idle_memory(n: int) -> float:
    gc.collect()
    tracemalloc.start()
    async with anyio.create_task_group() as tg:
        streams = []
        for _ in range(n):
            send, receive = anyio.create_memory_object_stream[int](100)
            streams.append(send)
            tg.start_soon(_consume_async_for, receive, -1, anyio.Event())
        await _settle(lambda i: streams[i].statistics().tasks_waiting_receive == 1, n)
        used, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        _check_all_waiting(lambda i: streams[i].statistics().tasks_waiting_receive == 1, n)
        tg.cancel_scope.cancel()
    return used / n


async def _settle(waiting: Callable[[int], bool], n: int) -> None:
    """Run the scheduler until the first, middle and last of ``n`` new tasks wait for a message.

    Tasks started together take their steps together, so three samples stand
    for all of them (``_check_all_waiting`` makes sure, outside the timing).
    Spawning counts until an actor is really idle, not just scheduled.
    """
    samples = (0, n // 2, n - 1)
    while not all(waiting(i) for i in samples):
        await anyio.lowlevel.checkpoint()
    # Trio may run this task in the middle of a scheduling round (it shuffles them
    # under test): one more round lets the tasks after it take the same step.
    await anyio.lowlevel.checkpoint()


def _check_all_waiting(waiting: Callable[[int], bool], n: int) -> None:
    busy = sum(1 for i in range(n) if not waiting(i))
    if busy:
        raise RuntimeError(f"{busy} of {n} tasks were not waiting yet when the timing stopped")


# -- the runtime ------------------------------------------------------------------


class Timing(Observer):
    """The least a metrics observer does: count messages and add up their processing time."""

    def __init__(self) -> None:
        self.messages = 0
        self.seconds = 0.0

    def message_processed(self, kind: str, seconds: float, *, failed: bool) -> None:
        self.messages += 1
        self.seconds += seconds


async def actor_throughput(n: int, *, backpressure: bool, observer: Observer | None = None) -> float:
    done = anyio.Event()
    async with ActorSystem(observer=observer) as system:
        ref = system.spawn(lambda: Sink(n, done), kind="sink", capacity=1000 if backpressure else n)
        await anyio.lowlevel.checkpoint()
        started = time.perf_counter()
        for i in range(n):
            if backpressure:
                await ref.send(i)
            else:
                ref.tell(i)
        await done.wait()
        return n / (time.perf_counter() - started)


async def actor_round_trips(n: int) -> float:
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Sink(-1, anyio.Event()), kind="sink", capacity=100)
        started = time.perf_counter()
        for i in range(n):
            await ref.ask(i, timeout=10)
        return n / (time.perf_counter() - started)


async def actor_spawns(n: int) -> float:
    async with ActorSystem(shutdown_deadline=60) as system:
        registry: Registry[int, int, None] = system.registry(lambda key: Idle(), kind="idle")
        started = time.perf_counter()
        refs = [registry.get(key) for key in range(n)]
        await _settle(lambda i: _idle(refs[i]), n)
        elapsed = time.perf_counter() - started
        _check_all_waiting(lambda i: _idle(refs[i]), n)
        system.cancel()
    return n / elapsed


async def actor_idle_memory(n: int) -> float:
    gc.collect()
    tracemalloc.start()
    async with ActorSystem(shutdown_deadline=60) as system:
        registry: Registry[int, int, None] = system.registry(lambda key: Idle(), kind="idle")
        for key in range(n):
            registry.get(key)
        await _settle(lambda key: _idle(registry.get(key)), n)
        used, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        _check_all_waiting(lambda key: _idle(registry.get(key)), n)
        system.cancel()
    return used / n


def _idle(ref: ActorRef[Any, Any]) -> bool:
    """Whether the actor has started and waits for a message (the runtime's own view, for the benchmark)."""
    return ref._cell.idle_since() is not None


CASES: dict[str, tuple[Callable[..., Awaitable[float]], dict[str, Any]]] = {
    "tell: raw async-for": (raw_throughput, {"consumer": _consume_async_for, "backpressure": False}),
    "tell: raw fast-path": (raw_throughput, {"consumer": _consume_fast, "backpressure": False}),
    "tell: actor": (actor_throughput, {"backpressure": False}),
    "tell: actor, timed": (actor_throughput, {"backpressure": False, "observer": Timing()}),
    "send: raw fast-path": (raw_throughput, {"consumer": _consume_fast, "backpressure": True}),
    "send: actor": (actor_throughput, {"backpressure": True}),
    "ask: raw round trip": (raw_round_trips, {}),
    "ask: actor": (actor_round_trips, {}),
    "spawn: raw task+stream": (raw_spawns, {}),
    "spawn: actor": (actor_spawns, {}),
    "idle bytes: raw task+stream": (raw_idle_memory, {}),
    "idle bytes: actor": (actor_idle_memory, {}),
}

BACKENDS = ("asyncio", "trio")

Results = dict[str, dict[str, float]]
"""backend -> case -> the median figure."""


def run_case(case: str, backend: str, messages: int, actors: int) -> float:
    """Measure one case in this process."""
    fn, kwargs = CASES[case]
    if case.startswith(("spawn", "idle")):
        size = actors
    elif case.startswith("ask"):
        size = messages // 10
    else:
        size = messages
    tune_gc()
    return anyio.run(lambda: fn(size, **kwargs), backend=backend)


def measure_isolated(case: str, backend: str, messages: int, actors: int) -> float:
    """Measure one case in a fresh Python process."""
    command = [sys.executable, "-m", "bench.runtime", "--case", case, "--backend", backend]
    command += ["--messages", str(messages), "--actors", str(actors)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return float(json.loads(output)["value"])


def measure_all(messages: int, actors: int, runs: int, *, isolated: bool) -> Results:
    """The median of ``runs`` measurements of every case on every backend.

    Runs are interleaved (every case once, then again) so that a burst of load
    from something else on the machine spreads over all cases instead of
    spoiling one.
    """
    measure = measure_isolated if isolated else run_case
    samples: dict[str, dict[str, list[float]]] = {b: {case: [] for case in CASES} for b in BACKENDS}
    for _ in range(runs):
        for backend in BACKENDS:
            for case in CASES:
                samples[backend][case].append(measure(case, backend, messages, actors))
    return {b: {case: statistics.median(values) for case, values in by_case.items()} for b, by_case in samples.items()}


def report(results: Results, actors: int) -> list[str]:
    """The table and one line per goal, MET or MISSED, for each backend."""
    lines = [f"{'':32}" + "".join(f"{b:>16}" for b in BACKENDS)]
    for name in CASES:
        unit = " B" if "bytes" in name else "/s"
        lines.append(f"{name:32}" + "".join(f"{results[b][name]:>14,.0f}{unit}" for b in BACKENDS))
    lines.append("")
    for backend, r in results.items():
        tell = r["tell: actor"] / r["tell: raw fast-path"]
        timed = r["tell: actor, timed"] / r["tell: raw fast-path"]
        memory = r["idle bytes: actor"] / r["idle bytes: raw task+stream"]
        spawn_seconds = actors / r["spawn: actor"]
        lines += [
            f"{backend}: tell {_verdict(tell >= 0.7)}: {tell:.0%} of the raw fast path "
            f"({timed:.0%} with a timing observer; {r['tell: actor'] / r['tell: raw async-for']:.0%} "
            "of the raw async-for) [goal >= 70%]",
            f"{backend}: idle memory {_verdict(memory <= 1.5)}: {memory:.2f}x a raw task and stream [goal <= 1.5x]",
            f"{backend}: spawn {_verdict(spawn_seconds < 3.0 * actors / 100_000)}: {actors:,} actors in "
            f"{spawn_seconds:.2f} s (raw tasks and streams {actors / r['spawn: raw task+stream']:.2f} s) "
            f"[goal < {3.0 * actors / 100_000:g} s]",
        ]
    return lines


def _verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one run, all in this process: a smoke run, not a measurement"
    )
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="measurements per figure; the median is shown")
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="asyncio", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    messages, actors, runs = (2_000, 500, 1) if args.quick else (args.messages, args.actors, args.runs)
    if args.case:
        print(json.dumps({"value": run_case(args.case, args.backend, messages, actors)}))
        return
    print(f"machine: {platform.machine()}, {_cpu_name()}, python {platform.python_version()}, load {_load()}")
    print(
        f"{messages:,} messages, {actors:,} actors; median of {runs} run(s)"
        + ("" if args.quick else ", every figure from a fresh process")
        + "\n"
    )
    results = measure_all(messages, actors, runs, isolated=not args.quick)
    print("\n".join(report(results, actors)))
    print(f"\nload average afterwards: {_load()}")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} x{_cores()}"
    except OSError:
        pass
    return platform.processor() or "cpu"


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
