"""Benchmark of the actor runtime against raw anyio memory object streams.

    uv run python -m bench.runtime [--quick]

Prints, for asyncio and trio side by side: messages/s through one actor with
``tell`` and with ``send``, ``ask`` round trips/s, spawns/s, and memory per idle
live actor, next to the same figures for raw streams and tasks measured in the
same run. Two raw consumers are shown: the idiomatic ``async for`` loop, and one
that drains the buffer with ``receive_nowait`` first and calls an async handler
per message, as the runtime does (the fair comparison for throughput).

Each figure is measured in a fresh process: spawning 100,000 tasks touches about
a gigabyte of new memory, and a heap warmed by an earlier case would flatter
whichever case runs later.

The garbage collector is tuned as the services tune it (see
``assistant/gc_tuning.py``) for every measurement, raw ones included.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream

from assistant.gc_tuning import tune_gc
from runtime import Actor, ActorSystem

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
    count = 0

    async def handle(item: int) -> None:
        nonlocal count
        count += 1
        if count == target:
            done.set()

    while True:
        try:
            item = receive.receive_nowait()
        except anyio.WouldBlock:
            item = await receive.receive()
        await handle(item)
        if count % 64 == 0:
            await anyio.lowlevel.checkpoint()


async def raw_throughput(n: int, consumer: Callable[..., Awaitable[None]], *, backpressure: bool) -> float:
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
        await anyio.lowlevel.checkpoint()  # every task has run to its first wait
        elapsed = time.perf_counter() - started
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
        await anyio.sleep(0.1)
        used, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tg.cancel_scope.cancel()
    return used / n


# -- the runtime ------------------------------------------------------------------


async def actor_throughput(n: int, *, backpressure: bool) -> float:
    done = anyio.Event()
    async with ActorSystem() as system:
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
        registry = system.registry(lambda key: Idle(), kind="idle")
        started = time.perf_counter()
        for key in range(n):
            registry.get(key)
        await anyio.lowlevel.checkpoint()
        elapsed = time.perf_counter() - started
        system.cancel()
    return n / elapsed


async def actor_idle_memory(n: int) -> float:
    gc.collect()
    tracemalloc.start()
    async with ActorSystem(shutdown_deadline=60) as system:
        registry = system.registry(lambda key: Idle(), kind="idle")
        for key in range(n):
            registry.get(key)
        await anyio.sleep(0.1)
        used, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        system.cancel()
    return used / n


CASES: dict[str, tuple[Callable[..., Awaitable[float]], dict[str, Any]]] = {
    "tell: raw async-for": (raw_throughput, {"consumer": _consume_async_for, "backpressure": False}),
    "tell: raw fast-path": (raw_throughput, {"consumer": _consume_fast, "backpressure": False}),
    "tell: actor": (actor_throughput, {"backpressure": False}),
    "send: raw fast-path": (raw_throughput, {"consumer": _consume_fast, "backpressure": True}),
    "send: actor": (actor_throughput, {"backpressure": True}),
    "ask: raw round trip": (raw_round_trips, {}),
    "ask: actor": (actor_round_trips, {}),
    "spawn: raw task+stream": (raw_spawns, {}),
    "spawn: actor": (actor_spawns, {}),
    "idle bytes: raw task+stream": (raw_idle_memory, {}),
    "idle bytes: actor": (actor_idle_memory, {}),
}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="asyncio", help=argparse.SUPPRESS)
    args = parser.parse_args()
    messages, actors = (20_000, 5_000) if args.quick else (args.messages, args.actors)
    if args.case:
        print(json.dumps({"value": run_case(args.case, args.backend, messages, actors)}))
        return
    print(f"machine: {platform.machine()}, {_cpu_name()}, python {platform.python_version()}")
    print(f"{messages:,} messages, {actors:,} actors; every figure from a fresh process\n")
    backends = ("asyncio", "trio")
    results = {b: {case: measure_isolated(case, b, messages, actors) for case in CASES} for b in backends}
    print(f"{'':32}{'asyncio':>14}{'trio':>14}")
    for name in CASES:
        unit = " B" if "bytes" in name else "/s"
        print(f"{name:32}" + "".join(f"{results[b][name]:>12,.0f}{unit}" for b in backends))
    print()
    for backend, r in results.items():
        print(
            f"{backend}: tell {r['tell: actor'] / r['tell: raw fast-path']:.0%} of raw fast-path "
            f"({r['tell: actor'] / r['tell: raw async-for']:.0%} of async-for); "
            f"idle actor {r['idle bytes: actor'] / r['idle bytes: raw task+stream']:.2f}x raw; "
            f"{actors:,} spawns in {actors / r['spawn: actor']:.2f} s "
            f"(raw {actors / r['spawn: raw task+stream']:.2f} s)"
        )


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
