"""Time to answer with the primary model dead, against the fallback alone, through the real router and client.

    uv run python -m bench.model_health                 # 50 requests per case (about 2 minutes)
    uv run python -m bench.model_health --quick         # 10 requests per case
    uv run python -m bench.model_health --requests 100 --hedge-after 2

The fake OpenRouter runs in its own process (``python -m tests.fakes.openrouter``)
and answers every call in about ``--model-seconds`` (first token after a fifth of
it, then pieces of four characters). This process runs what the bot runs for one
answer: the model router, the model-health actor with its circuit breakers, and
the streaming HTTP client (real httpx, real sockets), one request at a time. A
request's time is from asking the router to the answer's last piece of text.

Cases:

(a) the fallback alone: it is the only model, nothing else is tried;
(b) the primary dead (503 on every call) with its breaker open;
(c) the primary dead and its breaker not yet open, so every request pays the
    first failure: a fast 503, and a refused connection (nothing listens on the
    primary's port); the breaker is set never to open here;
(d) the primary hanging (accepts the request, never answers): the hedge starts
    the fallback after ``--hedge-after``; after three such requests the primary's
    breaker is open and the hedge is skipped;
(e) both hanging: the time until the router says the user must be told
    (2 x ``--hedge-after`` of silence; the calls then run on to their
    first-token timeouts, 2.5 x ``--hedge-after`` here, as in the bot), then,
    with both breakers open, at once.

Goals (the model-health issue): an open breaker adds no measurable time against
(a); the first failure adds at most the failing call's own time.
"""

from __future__ import annotations

import argparse
import logging
import platform
import statistics
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import anyio
import httpx
import psutil  # type: ignore[import-untyped]

from actors.llm.breaker import BreakerConfig, BreakerState
from actors.llm.client import LLMClient
from actors.llm.health import HealthMessage, ModelHealth, ModelHealthActor, Snapshot
from actors.llm.router import (
    AnswerRequest,
    CallReport,
    ModelRouter,
    ModelSlot,
    ModelsUnavailable,
    Stalled,
    TextDelta,
)
from actors.llm.schema import ChatMessage, ModelEndpoint
from bench.load import answer_text
from bench.load_procs import ModelShape, describe_machine, fake_openrouter, machine_busy_seconds
from bench.load_stats import percentile
from runtime import ActorRef, ActorSystem
from tests.e2e.harness import API_KEY, FALLBACK, PRIMARY
from tests.fakes.openrouter import RemoteFakeOpenRouter, closed_port

NEVER = BreakerConfig(consecutive_failures=100_000, window_size=100_000, window_min_calls=100_000)
"""A breaker that never opens: every request meets the primary's failure for the first time."""
LONG_BREAK = BreakerConfig(break_time=3600, max_break_time=3600)
"""A breaker that, once open, stays open for the whole run."""


@dataclass
class Timed:
    """One request: seconds to the end of the answer (or to the notice, for case e) and the calls it made."""

    seconds: float
    calls: list[CallReport]
    model: str | None


@dataclass
class Case:
    name: str
    timed: list[Timed]

    @property
    def seconds(self) -> list[float]:
        return [t.seconds for t in self.timed]

    @property
    def primary_calls(self) -> int:
        """Calls the router made to the primary (refused connections included: they never reach the fake)."""
        return sum(1 for t in self.timed for c in t.calls if c.model == PRIMARY)

    def failed_call_seconds(self) -> list[float]:
        return [c.latency for t in self.timed for c in t.calls if c.model == PRIMARY and c.outcome.value != "ok"]

    def outside_calls(self) -> list[float]:
        """Per request, the time not spent inside a model call (the calls here run one after the other):
        the router's own work (breaker permits, starting calls, relaying text, recording), free of the fake's noise."""
        return [t.seconds - sum(c.latency for c in t.calls) for t in self.timed]


def question(n: int) -> AnswerRequest:
    return AnswerRequest(prompt=lambda trim: [ChatMessage("user", f"question {n}")])


async def answer(router: ModelRouter, n: int) -> Timed:
    """Ask once and time it; the answer must be complete."""
    started = time.perf_counter()
    async with router.answer(question(n)) as stream:
        async for event in stream:
            assert isinstance(event, TextDelta), event
    elapsed = time.perf_counter() - started
    assert stream.result.complete, "every request is answered"
    return Timed(elapsed, stream.result.calls, stream.result.model)


async def until_told(router: ModelRouter, n: int) -> Timed:
    """Ask with both models down; the time until the router says so (Stalled, or ModelsUnavailable at once).

    As in the bot, the request then goes on until the calls' own timeouts end it.
    """
    started = time.perf_counter()
    told: float | None = None
    async with router.answer(question(n)) as stream:
        try:
            async for event in stream:
                if isinstance(event, Stalled) and told is None:
                    told = time.perf_counter()
        except ModelsUnavailable:
            pass
    return Timed((told or time.perf_counter()) - started, stream.result.calls, None)


class Harness:
    """Routers over one HTTP client pool, each with its own model-health actor (fresh breakers per case)."""

    def __init__(self, system: ActorSystem, http: httpx.AsyncClient, llm: RemoteFakeOpenRouter, hedge: float) -> None:
        self.system = system
        self.http = http
        self.llm = llm
        self.hedge = hedge

    def client(self, base_url: str, first_token_timeout: float = 20.0) -> LLMClient:
        endpoint = ModelEndpoint(base_url, API_KEY)
        return LLMClient(endpoint, first_token_timeout=first_token_timeout, http=self.http, app_title="bench")

    def health(self, config: BreakerConfig) -> ActorRef[HealthMessage, object]:
        return self.system.spawn(lambda: ModelHealthActor(config, lambda record: True), kind="model-health")

    def router(
        self,
        config: BreakerConfig,
        *,
        primary_url: str | None = None,
        alone: bool = False,
        first_token_timeout: float = 20.0,
    ) -> ModelRouter:
        fallback = ModelSlot(FALLBACK, self.client(self.llm.base_url, first_token_timeout), fallback=True)
        health = self.health(config)
        if alone:
            return ModelRouter(ModelSlot(FALLBACK, fallback.client), None, health, hedge_after=self.hedge)
        primary = ModelSlot(PRIMARY, self.client(primary_url or self.llm.base_url, first_token_timeout))
        return ModelRouter(primary, fallback, health, hedge_after=self.hedge)

    async def run(self, name: str, router: ModelRouter, count: int, *, told: bool = False) -> Case:
        ask = until_told if told else answer
        return Case(name, [await ask(router, n) for n in range(count)])

    async def interleaved(self, routers: dict[str, ModelRouter], count: int) -> list[Case]:
        """One request per case in turn, ``count`` rounds: drift in the machine's load hits every case alike."""
        cases = [Case(name, []) for name in routers]
        for n in range(count):
            for case, router in zip(cases, routers.values(), strict=True):
                case.timed.append(await answer(router, n))
        return cases


async def breaker_state(router: ModelRouter, model: str) -> BreakerState | None:
    found: list[ModelHealth] = await router.health.ask(Snapshot(), timeout=5)
    return next((h.breaker.state for h in found if h.model == model), None)


async def measure(harness: Harness, count: int) -> list[Case]:
    llm = harness.llm
    # Warm the connection pool and both processes' code paths first; left out of every figure.
    await harness.run("warm-up", harness.router(NEVER), 5)

    await llm.fail(PRIMARY, 503)
    opened = harness.router(LONG_BREAK)
    while await breaker_state(opened, PRIMARY) is not BreakerState.OPEN:
        await answer(opened, 0)  # three failing requests open it; not measured
    before = await llm.call_timings()
    cases = await harness.interleaved(
        {
            "(a) fallback alone": harness.router(NEVER, alone=True),
            "(b) primary 503, breaker open": opened,
            "(c) primary 503, breaker closed": harness.router(NEVER),
            "(c') primary refuses connections": harness.router(
                NEVER, primary_url=f"http://127.0.0.1:{closed_port()}/api/v1"
            ),
        },
        count,
    )
    reached = sum(1 for t in (await llm.call_timings())[len(before) :] if t.model == PRIMARY)
    assert reached == count, f"only the closed breaker's requests reach the primary ({reached})"
    await llm.clear(PRIMARY)

    await llm.hang(PRIMARY)
    hanging = harness.router(LONG_BREAK)
    first = LONG_BREAK.consecutive_failures
    cases.append(await harness.run("(d) primary hangs, breaker closed", hanging, first))
    assert await breaker_state(hanging, PRIMARY) is BreakerState.OPEN, "silent primaries open the breaker"
    cases.append(await harness.run("(d) primary hangs, breaker open", hanging, count))

    await llm.hang(None)
    # First-token timeouts a little past the notice (the bot's default is 20 s), so that the run stays short.
    both = harness.router(LONG_BREAK, first_token_timeout=2.5 * harness.hedge)
    cases.append(await harness.run("(e) both hang: until told, closed", both, first, told=True))
    cases.append(await harness.run("(e) both hang: until told, open", both, min(count, 10), told=True))
    await llm.clear(PRIMARY)
    await llm.clear(FALLBACK)
    return cases


def ms(values: Sequence[float], p: float | None = None) -> str:
    value = max(values) if p is None else percentile(values, p)
    return f"{value * 1000:9.1f}"


def report(cases: list[Case], args: argparse.Namespace, shape: ModelShape, busy: float) -> None:
    machine = describe_machine()
    print(
        f"machine: {platform.machine()}, {machine['cores']} cores ({machine['cpu']}), python {machine['python']}; "
        f"{busy:.0%} of all cores busy on average during the run (shared machine)"
    )
    print(
        f"model: first token {shape.first_token:g} s, whole answer {shape.seconds:.2f} s in the fake; "
        f"hedge after {args.hedge_after:g} s; one request at a time\n"
    )
    print(f"{'case':<40}{'n':>4}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}  calls to the primary")
    for case in cases:
        seconds = case.seconds
        line = f"{case.name:<40}{len(seconds):>4}{ms(seconds, 50):>10}{ms(seconds, 95):>10}{ms(seconds):>10}"
        print(f"{line}  {case.primary_calls}")
    alone, opened, fast, refused = (statistics.median(c.seconds) for c in cases[:4])
    print()
    print(f"open breaker vs fallback alone: {(opened - alone) * 1000:+.1f} ms at p50")
    for case, median in ((cases[2], fast), (cases[3], refused)):
        own = statistics.median(case.failed_call_seconds())
        print(
            f"{case.name}: adds {(median - alone) * 1000:+.1f} ms at p50; the failing call itself took "
            f"{own * 1000:.1f} ms (p50)"
        )
    outside = ", ".join(f"{c.name.split()[0]} {statistics.median(c.outside_calls()) * 1000:.2f}" for c in cases[:4])
    print(f"time outside the model calls (the router's own work), p50 in ms: {outside}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50, help="requests per case (default 50)")
    parser.add_argument("--quick", action="store_true", help="10 requests per case")
    parser.add_argument("--model-seconds", type=float, default=0.4, help="the fake model's answer time (0.4)")
    parser.add_argument("--hedge-after", type=float, default=2.0, help="LLM_HEDGE_AFTER for the run (2)")
    args = parser.parse_args()
    count = 10 if args.quick else args.requests
    logging.getLogger("assistant.models").setLevel(logging.CRITICAL)  # breaker moves are this run's point
    first_token = args.model_seconds / 5
    shape = ModelShape(first_token, 100.0, answer_text(4 * round((args.model_seconds - first_token) * 100)))
    busy_before, wall_before = machine_busy_seconds(), time.monotonic()
    async with AsyncExitStack() as stack:
        llm, _pid = await stack.enter_async_context(fake_openrouter(shape, keepalive=0.05))
        http = await stack.enter_async_context(httpx.AsyncClient(limits=httpx.Limits(max_connections=100)))
        system = await stack.enter_async_context(ActorSystem())
        cases = await measure(Harness(system, http, llm, args.hedge_after), count)
    cores = psutil.cpu_count() or 1
    busy = (machine_busy_seconds() - busy_before) / (time.monotonic() - wall_before) / cores
    report(cases, args, shape, busy)


if __name__ == "__main__":
    anyio.run(main)
