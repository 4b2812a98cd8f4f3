"""End-to-end load on the bot, in its own process, through the fake Telegram and the fake OpenRouter.

    uv run python -m bench.load                 # full size: both phases (about 15 minutes)
    uv run python -m bench.load --quick         # smoke run, well under a minute
    uv run python -m bench.load --chats 1000 --messages 5 --rate 100 --model-seconds 2 --skip-known
    uv run python -m bench.load --skip-known --dump answers.csv   # every timed answer, to find a tail in time

Two phases, each with a fresh scratch database, fresh fakes and a fresh bot:

1. **Dialogs**: ``--chats`` private chats write ``--messages`` messages each,
   offered open loop at a steady ``--rate`` (messages/s, round robin over the
   chats, so one chat writes every chats/rate seconds and never waits for its
   own previous answer). The fake model answers every call in
   ``--model-seconds``: the first token after ``--first-token`` seconds, then
   pieces of four characters at ``--tokens-per-second``. Figures: throughput,
   the bot's overhead on reply time (reply time minus model time) at
   p50/p95/p99/max and where it goes, time to first visible text, the bot's
   CPU, its peak RSS, and RSS per active chat (all chats' actors alive, after
   the load) and per idle chat (after every actor passivated).
2. **Known chats**: ``--known-chats`` distinct chats write one message each at
   ``--known-rate`` with a fast model; then every actor passivates
   (CHAT_IDLE_SECONDS is small) and the bot's RSS is read.

How it measures: see :mod:`bench.load_stats` for the definitions. Every time
is ``time.monotonic()`` taken in the fake where the event happened (one clock
for the machine). RSS is sampled from outside every 0.1 s (psutil). A warm-up
of a few chats runs first in each phase and is left out of every figure; the
"0 chats" RSS is read after it. The bot runs with the product's defaults except:
TELEGRAM_GLOBAL_PER_SECOND=100000 (the fake does not rate-limit),
RATE_LIMIT_PER_MINUTE/DAY=1000000, LOG_LEVEL=WARNING and CHAT_IDLE_SECONDS.
The fakes run at niceness 10 (``--harness-nice``): on a real deployment they
are other machines, here they share the bot's two cores; the delays that
costs them count against the bot (see ``bench.load_procs.lower_priority``).
PostgreSQL: DATABASE_URL, else 127.0.0.1:5432 if it answers, else the
embedded server (``--server`` to choose).
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import anyio
import httpx

from actors.telegram.formatting import render_markdown
from bench.load_procs import (
    Bot,
    ModelShape,
    Sampler,
    cpu_seconds,
    database_stats,
    describe_machine,
    fake_openrouter,
    fake_telegram,
    lower_priority,
    machine_busy_seconds,
    running_bot,
    scratch_database,
    server_label,
    wait_until_quiet,
)
from bench.load_stats import Answered, Matched, Offered, match, percentile, rate, spread
from tests.fakes.quiet_gc import freeze_periodically
from tests.fakes.telegram import FakeTelegramClient, User

MB = 2**20
OFFER_FAILURES: list[str] = []
OFFER_CONCURRENCY = 32
WARMUP_CHATS = 20
WARMUP_MESSAGES = 2
KNOWN_CHAT_BASE = 10_000_000
LIVE_CHATS = 'assistant_live_actors{kind="chat"}'
PERSISTENCE_DEPTH = 'assistant_mailbox_depth{kind="persistence"}'
CHAT_DEPTH = 'assistant_mailbox_depth{kind="chat"}'
WATCHED = (LIVE_CHATS, PERSISTENCE_DEPTH, CHAT_DEPTH)
DIALOG_CHAT_BASE = 1_000_000
WARMUP_CHAT_BASE = 1

FILLER = (
    "the bot streams this answer into a draft while the model writes it and then sends it as one message "
    "so the user sees text early and the whole reply at the end of the stream "
)


def answer_text(chars: int) -> str:
    """A plausible answer of about ``chars`` characters: a little Markdown (bold, code, a list) and plain words."""
    head = "**Short answer:** it depends on `the settings`.\n\n- first point\n- second point\n\n"
    text = head if chars > 2 * len(head) else ""
    while len(text) < chars:
        text += FILLER
    return text[:chars].rstrip() + "."


def shape_for(model_seconds: float, first_token: float, tokens_per_second: float) -> ModelShape:
    """A fake model whose stream ends ``model_seconds`` after the call (four characters a token)."""
    pieces = max(1, round((model_seconds - first_token) * tokens_per_second) + 1)
    answer = answer_text(pieces * 4 - 1)  # answer_text adds a final "."
    return ModelShape(first_token, tokens_per_second, answer)


# -- offering messages ------------------------------------------------------------------


def plan(chats: int, messages: int, base: int) -> list[tuple[int, int]]:
    """(chat id, message number) in offering order: round robin over the chats."""
    return [(base + i % chats, i // chats) for i in range(chats * messages)]


async def offer(tg: FakeTelegramClient, schedule: list[tuple[int, int]], per_second: float) -> list[Offered]:
    """Users write at a steady rate, open loop: each message is posted at its time, answered or not.

    A message the fake did not take (its control API failed) is left out and counted in ``OFFER_FAILURES``.
    """
    offered: list[Offered] = []
    start = time.monotonic() + 0.05
    # A bounded number of posts in flight: thousands queued in httpx's pool cost quadratic CPU in this process.
    in_flight = anyio.Semaphore(OFFER_CONCURRENCY)

    async def write(chat_id: int, number: int) -> None:
        text = f"Message {number} in chat {chat_id}: how does this work, briefly?"
        user = User(id=chat_id, first_name=f"User {chat_id}", username=None, language_code="en")
        try:
            async with in_flight:
                update_id = await tg.send_message(chat_id, text, user=user)
        except httpx.HTTPError as exc:
            OFFER_FAILURES.append(f"{type(exc).__name__}: {exc}")
            return
        offered.append(Offered(update_id, chat_id, number, text))

    async with anyio.create_task_group() as tasks:
        for position, (chat_id, number) in enumerate(schedule):
            delay = start + position / per_second - time.monotonic()
            if delay > 0:
                await anyio.sleep(delay)
            tasks.start_soon(write, chat_id, number)
    return offered


@dataclass
class AnswerWatch:
    """Counts final answers per chat from the fake's call records, reading only what is new."""

    tg: FakeTelegramClient
    answer_chars: int
    seen: int = 0
    per_chat: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    async def refresh(self) -> None:
        for call in await self.tg.call_timings(since=self.seen):
            self.seen = call.index + 1
            if call.method == "sendMessage" and call.text_chars == self.answer_chars:
                self.per_chat[call.chat_id] += 1

    async def follow(self) -> None:
        """Read the new records every half second until cancelled.

        Read all at once after the load, the records of 20,000 calls stall
        the fake for ~200 ms while the last answers are still in flight.
        """
        while True:
            await self.refresh()
            await anyio.sleep(0.5)

    async def wait(self, chats: range, expected: int, timeout: float) -> bool:
        """Wait until the chats got ``expected`` answers in all; False on timeout."""
        with anyio.move_on_after(timeout):
            while True:
                await self.refresh()
                if sum(self.per_chat.get(chat, 0) for chat in chats) >= expected:
                    return True
                await anyio.sleep(0.5)
        return False


# -- one phase ------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    chats: int
    messages: int
    rate: float
    shape: ModelShape
    idle_seconds: float
    chat_base: int
    warmup_chats: int = WARMUP_CHATS
    settle: float = 1.0
    """Seconds to let the bot settle before reading its memory."""
    bot_env: dict[str, str] = field(default_factory=dict)
    """Settings for the bot beyond the benchmark's own (``--bot-env``)."""


@dataclass
class PhaseResult:
    phase: Phase
    matched: Matched
    offered: list[Offered]
    load_seconds: float
    rss_base: int
    rss_peak: int
    rss_active: int
    rss_idle: int
    live_active: int
    live_peak: int
    live_after: int
    passivation_seconds: float
    cpu: dict[str, float]
    complete: bool
    peaks: dict[str, float]
    """Highest value of each WATCHED series during the load (read every second)."""
    metrics: dict[str, float]
    """Change of every /metrics series over the load."""
    database: dict[str, float]
    """Change of PostgreSQL's counters for the bot's database over the load."""
    drafts: int = 0
    """Draft updates the measured chats received."""


async def run_phase(phase: Phase, server: str | None, keepalive: float, harness_nice: int) -> PhaseResult:
    async with (
        scratch_database(server) as database_url,
        fake_telegram() as (tg, tg_pid),
        fake_openrouter(phase.shape, keepalive) as (llm, llm_pid),
    ):
        lower_priority([tg_pid, llm_pid], harness_nice)
        with TemporaryDirectory(prefix="bench-load-") as work:
            async with running_bot(tg, llm, database_url, Path(work), phase.idle_seconds, phase.bot_env) as bot:
                result = await _drive(phase, tg, bot, {"bot": bot.pid, "telegram": tg_pid, "openrouter": llm_pid})
            updates = await tg.update_timings()
            calls = await tg.call_timings()
            model_calls = await llm.call_timings()
    chars = len(render_markdown(phase.shape.answer).text)
    result.matched = match(result.offered, updates, calls, model_calls, chars)
    chats = range(phase.chat_base, phase.chat_base + phase.chats)
    result.drafts = sum(call.method == "sendMessageDraft" and int(call.chat_id) in chats for call in calls)
    return result


async def _drive(phase: Phase, tg: FakeTelegramClient, bot: Bot, pids: dict[str, int]) -> PhaseResult:
    chars = len(render_markdown(phase.shape.answer).text)
    watch = AnswerWatch(tg, chars)
    sampler = Sampler(bot.pid)
    database_url = str(bot.process.env["DATABASE_URL"])
    peaks: dict[str, float] = defaultdict(float)

    async def watch_metrics() -> None:
        while True:
            values = await bot.metrics()
            for series in WATCHED:
                peaks[series] = max(peaks[series], values.get(series, 0.0))
            await anyio.sleep(1.0)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sampler.run)
        tasks.start_soon(freeze_periodically)  # the driver's records must not stall its offering either
        # Warm-up (left out of every figure): a few chats, so imports, pools and caches are in place.
        await offer(tg, plan(phase.warmup_chats, WARMUP_MESSAGES, WARMUP_CHAT_BASE), 20)
        warm = range(WARMUP_CHAT_BASE, WARMUP_CHAT_BASE + phase.warmup_chats)
        await watch.wait(warm, phase.warmup_chats * WARMUP_MESSAGES, 60 + phase.shape.seconds * WARMUP_MESSAGES)
        await anyio.sleep(phase.settle)
        rss_base = await sampler.settled(phase.settle)

        pids = {**pids, "driver": os.getpid()}
        cpu_before = {**cpu_seconds(pids), "machine": machine_busy_seconds()}
        database_before = await database_stats(database_url)
        started = time.monotonic()
        metrics_before = await bot.metrics()
        watcher = anyio.CancelScope()

        async def watch_until_cancelled() -> None:
            with watcher:
                await watch_metrics()

        tasks.start_soon(watch_until_cancelled)
        async with anyio.create_task_group() as following:
            following.start_soon(watch.follow)
            offered = await offer(tg, plan(phase.chats, phase.messages, phase.chat_base), phase.rate)
            following.cancel_scope.cancel()
        chats = range(phase.chat_base, phase.chat_base + phase.chats)
        expected = len(offered)
        complete = await watch.wait(chats, expected, 120 + 4 * phase.shape.seconds * phase.messages)
        finished = time.monotonic()
        watcher.cancel()
        metrics_after = await bot.metrics()
        cpu_after = {**cpu_seconds(pids), "machine": machine_busy_seconds()}
        cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
        rss_peak = sampler.peak(started, finished)
        live_active = await bot.live_actors()
        rss_active = await sampler.settled(max(phase.settle, 1.0))  # PostgreSQL publishes its counters each second
        database_after = await database_stats(database_url)

        # Passivation: wait until every chat actor stopped (idle longer than CHAT_IDLE_SECONDS).
        idle_from = time.monotonic()
        with anyio.move_on_after(phase.idle_seconds * 3 + 60):
            while await bot.live_actors() > 0:
                await anyio.sleep(0.5)
        passivation = time.monotonic() - idle_from
        live_after = await bot.live_actors()
        await anyio.sleep(phase.settle)
        rss_idle = await sampler.settled(2 * phase.settle, 10)
        tasks.cancel_scope.cancel()
    return PhaseResult(
        phase=phase,
        matched=Matched(),
        offered=offered,
        load_seconds=finished - started,
        rss_base=rss_base,
        rss_peak=rss_peak,
        rss_active=rss_active,
        rss_idle=rss_idle,
        live_active=live_active,
        live_peak=max(int(peaks[LIVE_CHATS]), live_active),
        live_after=live_after,
        passivation_seconds=passivation,
        cpu=cpu,
        complete=complete,
        peaks=dict(peaks),
        metrics={k: v - metrics_before.get(k, 0.0) for k, v in metrics_after.items()},
        database={k: v - database_before.get(k, 0.0) for k, v in database_after.items()},
    )


# -- reporting --------------------------------------------------------------------------------


def report(result: PhaseResult) -> list[str]:
    phase, matched = result.phase, result.matched
    answered = matched.answered
    lines = [
        f"## {phase.name}: {phase.chats:,} chats x {phase.messages} messages at {phase.rate:g}/s offered; "
        f"model {phase.shape.seconds:.2f} s (first token {phase.shape.first_token:g} s, "
        f"{phase.shape.tokens_per_second:g} tokens/s, {len(phase.shape.answer)} chars); "
        f"CHAT_IDLE_SECONDS={phase.idle_seconds:g}",
        "",
    ]
    expected = len(result.offered)
    problems = [
        f"{count} {what}"
        for count, what in (
            (matched.unanswered, "unanswered"),
            (matched.several_calls, "answered after more than one model call (left out)"),
            (matched.failed_calls, "with a failed model call"),
            (matched.other_messages, "other messages (notices) sent"),
            (matched.failed_sends, "sends refused by the fake"),
            (phase.chats * phase.messages - expected, "not offered (the fake's control API failed)"),
        )
        if count
    ]
    lines.append(
        f"answered and timed: {len(answered):,} of {expected:,}" + (f" ({'; '.join(problems)})" if problems else "")
    )
    if not result.complete:
        lines.append("WARNING: not every message was answered before the timeout")
    if not answered:
        return lines
    offered_rate = rate([a.created for a in answered])
    lines += [
        f"offered: {offered_rate:,.1f} messages/s; delivered: {rate([a.sent for a in answered]):,.1f} answers/s "
        f"({len(answered):,} answers in {max(a.sent for a in answered) - min(a.created for a in answered):.1f} s)",
        "",
        f"{'ms':38}{'p50':>9} / {'p95':>8} / {'p99':>8} / {'max':>8}",
    ]
    rows: list[tuple[str, list[float]]] = [
        ("reply time", [a.reply for a in answered]),
        ("model time (fake OpenRouter)", [a.model for a in answered]),
        ("OVERHEAD = reply - model", [a.overhead for a in answered]),
        ("  before the model", [a.before_model for a in answered]),
        ("    of which long poll", [p for a in answered if (p := a.long_poll) is not None]),
        ("  after the model", [a.after_model for a in answered]),
        ("  overhead, first message of a chat", [a.overhead for a in answered if a.number == 0]),
        ("  overhead, later messages", [a.overhead for a in answered if a.number > 0]),
        ("first visible text after 1st token", [v for a in answered if (v := a.first_visible) is not None]),
    ]
    for label, values in rows:
        if values:
            lines.append(f"{label:38}{spread(values)}   (n={len(values):,})")
    no_draft = sum(a.first_draft is None for a in answered)
    if no_draft:
        lines.append(f"({no_draft} answers showed no draft with text before the final message)")
    wall = result.load_seconds
    ours = {name: seconds for name, seconds in result.cpu.items() if name != "machine"}
    others = result.cpu.get("machine", 0.0) - sum(ours.values())
    cpu = ", ".join(f"{name} {seconds / wall:.0%}" for name, seconds in ours.items())
    lines += [
        "",
        f"CPU during the load ({wall:.1f} s; 100% = one core): {cpu}; "
        f"everything else on the machine (PostgreSQL included) {max(others, 0.0) / wall:.0%}",
        f"bot CPU per answer: {result.cpu.get('bot', 0.0) / len(answered) * 1000:.1f} ms; "
        f"{result.drafts / len(answered):.1f} draft updates per answer",
        _persistence_line(result),
        _database_line(result),
        _stalls_line(result),
        f"bot RSS: {result.rss_base / MB:.1f} MB with 0 chats (after warm-up); peak {result.rss_peak / MB:.1f} MB "
        f"during the load (at most {result.live_peak:,} live chat actors)",
        f"  after the load, {result.live_active:,} chat actors live: {result.rss_active / MB:.1f} MB "
        f"-> {(result.rss_active - result.rss_base) / max(phase.chats, 1) / 1024:.1f} KB per active chat",
        f"  after passivation ({result.live_after} live, {result.passivation_seconds:.0f} s): "
        f"{result.rss_idle / MB:.1f} MB -> {(result.rss_idle - result.rss_base) / max(phase.chats, 1) / 1024:.2f} KB "
        f"per idle (known) chat",
        "",
    ]
    return lines


def _persistence_line(result: PhaseResult) -> str:
    m, wall = result.metrics, result.load_seconds
    handled = m.get('assistant_actor_processing_seconds_count{kind="persistence"}', 0.0)
    busy = m.get('assistant_actor_processing_seconds_sum{kind="persistence"}', 0.0)
    batches = m.get("assistant_persistence_batch_rows_count", 0.0)
    rows = m.get("assistant_persistence_batch_rows_sum", 0.0)
    return (
        f"persistence actor: {handled:,.0f} messages handled, busy {busy / wall:.0%} of the time; "
        f"{batches:,.0f} batches of {rows / max(batches, 1):.1f} rows on average; deepest mailboxes seen: "
        f"persistence {result.peaks.get(PERSISTENCE_DEPTH, 0):,.0f}, all chats {result.peaks.get(CHAT_DEPTH, 0):,.0f}"
    )


def _stalls_line(result: PhaseResult) -> str:
    """How often the bot's event loop was held up, and by how much of it the garbage collector."""
    m = result.metrics
    lag = "assistant_event_loop_lag_seconds"
    probes = m.get(lag + "_count", 0.0)

    def later_than(bound: str) -> float:
        return probes - m.get(lag + '_bucket{le="' + bound + '"}', 0.0)

    def pause(part: str, generation: str) -> float:
        return m.get("assistant_gc_pause_seconds_" + part + '{generation="' + generation + '"}', 0.0)

    late = ", ".join(f"> {float(b) * 1000:.0f} ms: {later_than(b):,.0f}" for b in ("0.02", "0.05", "0.1"))
    pauses = "; ".join(f"gen {g}: {pause('count', g):,.0f} ({pause('sum', g) * 1000:,.0f} ms)" for g in "012")
    return f"event loop: of {probes:,.0f} timers (every 50 ms) late {late}; garbage collections {pauses}"


def _database_line(result: PhaseResult) -> str:
    d, wall = result.database, result.load_seconds
    return (
        f"PostgreSQL (the bot's database): {d.get('sessions', 0):,.0f} connections opened, "
        f"{d.get('xact_commit', 0):,.0f} commits, {d.get('xact_rollback', 0):,.0f} rollbacks, "
        f"statements running {d.get('active_time', 0) / 1000 / wall:.0%} of the time (summed over connections)"
    )


def goals(dialogs: PhaseResult | None, known: PhaseResult | None) -> list[str]:
    lines = ["## Goals", ""]

    def verdict(ok: bool) -> str:
        return "MET" if ok else "MISSED"

    if dialogs is not None and dialogs.matched.answered:
        answered = dialogs.matched.answered
        p = dialogs.phase
        full = p.chats >= 1000 and p.rate >= 100 and p.shape.seconds >= 1.99
        size = "" if full else " (run smaller than the goal's 1,000 dialogs / 2 s model / 100 msg/s)"
        p99 = percentile([a.overhead for a in answered], 99) * 1000
        lines.append(f"- overhead p99 < 20 ms: {p99:.1f} ms -> {verdict(p99 < 20)}{size}")
        visible = [v for a in answered if (v := a.first_visible) is not None]
        if visible:
            v99 = percentile(visible, 99) * 1000
            lines.append(
                f"- first visible text < 300 ms after the first token (p99): {v99:.1f} ms -> {verdict(v99 < 300)}"
            )
    if known is not None:
        full = known.phase.chats >= 100_000
        size = "" if full else f" (run with {known.phase.chats:,} known chats, not 100,000)"
        passivated = known.live_after == 0
        mb = known.rss_idle / MB
        lines.append(
            f"- {known.phase.chats:,} known chats, idle actors passivated, in < 500 MB: {mb:.1f} MB "
            f"-> {verdict(mb < 500 and passivated)}{size}" + ("" if passivated else f" ({known.live_after} still live)")
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5, help="messages per chat")
    parser.add_argument("--rate", type=float, default=100.0, help="messages/s offered")
    parser.add_argument("--model-seconds", type=float, default=2.0, help="call received -> end of stream")
    parser.add_argument("--first-token", type=float, default=0.5, help="seconds to the first token")
    parser.add_argument("--tokens-per-second", type=float, default=25.0, help="after the first token")
    parser.add_argument("--idle-seconds", type=float, help="CHAT_IDLE_SECONDS for the dialogs (default: fits the gaps)")
    parser.add_argument("--known-chats", type=int, default=100_000)
    parser.add_argument("--known-rate", type=float, default=250.0)
    parser.add_argument("--known-idle-seconds", type=float, default=5.0)
    parser.add_argument("--skip-dialogs", action="store_true")
    parser.add_argument("--skip-known", action="store_true")
    parser.add_argument("--keepalive", type=float, default=1.0, help="the fake model's keep-alive interval (s)")
    parser.add_argument("--server", help="PostgreSQL URL for the scratch databases")
    parser.add_argument(
        "--bot-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for the bot (repeatable)"
    )
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, metavar="S", help="wait up to S seconds for an idle machine per phase"
    )
    parser.add_argument(
        "--harness-nice",
        type=int,
        default=10,
        metavar="N",
        help="niceness of the fake servers, so they do not pre-empt the bot (0: as the bot; see lower_priority)",
    )
    parser.add_argument("--dump", type=Path, metavar="CSV", help="write every timed answer of the dialogs phase here")
    parser.add_argument(
        "--rates", help="comma-separated offered rates: one dialogs phase per rate, and a summary table (a sweep)"
    )
    args = parser.parse_args()
    warmup, settle, margin = WARMUP_CHATS, 1.0, 3
    if args.quick:
        args.chats, args.messages, args.rate, args.model_seconds, args.first_token = 30, 2, 15.0, 1.0, 0.3
        args.known_chats, args.known_rate, args.known_idle_seconds = 300, 100.0, 2.0
        warmup, settle, margin = 10, 0.5, 1
    rates = [float(r) for r in args.rates.split(",")] if args.rates else [args.rate]
    bot_env = dict(item.split("=", 1) for item in args.bot_env)
    shape = shape_for(args.model_seconds, args.first_token, args.tokens_per_second)
    phases: list[Phase] = []
    if not args.skip_dialogs:
        for offered_rate in rates:
            gap = args.chats / offered_rate  # seconds between two messages of one chat
            idle = args.idle_seconds or math.ceil(gap + args.model_seconds + margin)
            name = "Dialogs" if len(rates) == 1 else f"Dialogs at {offered_rate:g}/s"
            size = (args.chats, args.messages, offered_rate)
            phases.append(Phase(name, *size, shape, idle, DIALOG_CHAT_BASE, warmup, bot_env=bot_env))
    if not args.skip_known:
        fast = shape_for(0.1, 0.05, 200)
        phases.append(
            Phase(
                "Known chats",
                args.known_chats,
                1,
                args.known_rate,
                fast,
                args.known_idle_seconds,
                KNOWN_CHAT_BASE,
                warmup,
                settle,
                bot_env,
            )
        )
    machine = describe_machine()
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']:.0f} GB, "
        f"Python {machine['python']}, {machine['system']}; PostgreSQL {server_label(args.server)}"
    )
    print(
        "processes: bot, fake Telegram, fake OpenRouter, this driver (and PostgreSQL), all on this machine; "
        f"the fakes at niceness {args.harness_nice}\n"
    )
    results: list[PhaseResult] = []
    for phase in phases:
        if args.wait_quiet:
            busy = wait_until_quiet(args.wait_quiet)
            print(f"machine before the phase: {busy:.0%} of the cores busy", flush=True)
        # uvloop, as the bot runs: the driver shares the bot's two cores, so it should take little of them.
        result = anyio.run(
            run_phase, phase, args.server, args.keepalive, args.harness_nice, backend_options={"use_uvloop": True}
        )
        results.append(result)
        print("\n".join(report(result)), flush=True)
    dialog_results = [r for r in results if r.phase.name.startswith("Dialogs")]
    if len(dialog_results) > 1:
        print("\n".join(sweep(dialog_results)))
    known_result = next((r for r in results if r.phase.name == "Known chats"), None)
    if args.dump and dialog_results:
        dump(dialog_results[-1].matched.answered, args.dump)
    print("\n".join(goals(dialog_results[-1] if dialog_results else None, known_result)))


def dump(answered: list[Answered], path: Path) -> None:
    """One CSV row per timed answer (ms), created in s since the first message and on the machine's monotonic clock."""
    start = min(a.created for a in answered)
    names = ["update_id", "chat_id", "number", "created", "monotonic", "long_poll", "before_model", "model"]
    names += ["after_model", "overhead"]
    with path.open("w") as out:
        out.write(",".join(names) + "\n")
        for a in sorted(answered, key=lambda a: a.created):
            poll = "" if a.long_poll is None else f"{a.long_poll * 1000:.2f}"
            times = [a.before_model, a.model, a.after_model, a.overhead]
            out.write(f"{a.update_id},{a.chat_id},{a.number},{a.created - start:.3f},{a.created:.3f},{poll},")
            out.write(",".join(f"{t * 1000:.2f}" for t in times) + "\n")


def sweep(results: list[PhaseResult]) -> list[str]:
    """One line per offered rate: where the bot stops keeping up."""
    lines = [
        "## Sweep",
        "",
        f"{'offered/s':>10}{'answers/s':>10}{'overhead p50':>14}{'p95':>9}{'p99':>10}{'1st text p99':>14}"
        f"{'bot CPU':>9}{'persistence busy':>18}",
    ]
    for result in results:
        answered = result.matched.answered
        if not answered:
            continue
        overhead = [a.overhead for a in answered]
        visible = [v for a in answered if (v := a.first_visible) is not None]
        busy = result.metrics.get('assistant_actor_processing_seconds_sum{kind="persistence"}', 0.0)
        lines.append(
            f"{rate([a.created for a in answered]):>10.1f}{rate([a.sent for a in answered]):>10.1f}"
            f"{percentile(overhead, 50) * 1000:>11.1f} ms{percentile(overhead, 95) * 1000:>9.1f}"
            f"{percentile(overhead, 99) * 1000:>10.1f}{percentile(visible, 99) * 1000:>11.1f} ms"
            f"{result.cpu.get('bot', 0.0) / result.load_seconds:>9.0%}{busy / result.load_seconds:>18.0%}"
        )
    return lines


if __name__ == "__main__":
    main()
