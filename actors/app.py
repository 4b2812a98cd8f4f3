"""Assembling and running the bot: `assistant bot`.

Start-up order: database engine, Telegram identity, commands, then the
actors (persistence first, so it stops last), the HTTP endpoints, the spill
file applied and unfinished updates from the inbox, and finally the intake.
Shutdown (SIGTERM/SIGINT) goes the other way: stop taking updates, let the
chats finish and drain, flush the persistence actor, close the connections.
"""

from __future__ import annotations

import logging
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import anyio
import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, User
from pydantic import SecretStr

from actors import texts
from actors.chat.actor import ChatActor
from actors.chat.deps import ChatDeps, Generations
from actors.http import Readiness, build_app, start_server
from actors.i18n import Translator
from actors.limits import UserRateLimiter
from actors.llm.breaker import BreakerConfig, BreakerState
from actors.llm.client import LLMClient
from actors.llm.health import IncidentState, ModelHealthActor
from actors.llm.router import CallReport, ModelRouter, ModelSlot
from actors.llm.schema import ModelEndpoint
from actors.llm.transport import PooledTransport
from actors.metrics import BotMetrics, RuntimeMetrics
from actors.persistence.actor import PersistenceActor, PersistenceStatus
from actors.persistence.records import LLMCallRecord, ModelEventRecord
from actors.persistence.spill import SpillFile
from actors.persistence.store import DialogStore
from actors.responsiveness import gc_pauses_reported, watch_loop_busy, watch_loop_lag
from actors.roles import load_roles
from actors.telegram.courier import Courier, Limits
from actors.telegram.draft_budget import DraftBudget
from actors.telegram.handlers import Gateway, build_router
from actors.telegram.intake import Intake
from actors.telegram.notices import notice_factory
from actors.telegram.session import JsonSession
from actors.telegram.webhook import serve_webhook
from assistant.settings import Settings, UpdatesMode
from db.engine import create_engine
from runtime import (
    ActorStopped,
    ActorSystem,
    EscalationError,
    MailboxFull,
    Overflow,
    Registry,
    RestartPolicy,
    shutdown_on_signals,
)

log = logging.getLogger("assistant.bot")


def make_bot(settings: Settings) -> Bot:
    assert settings.telegram_bot_token is not None
    session = JsonSession()
    if settings.telegram_api_url is not None:
        session = JsonSession(api=TelegramAPIServer.from_base(str(settings.telegram_api_url).rstrip("/")))
    return Bot(settings.telegram_bot_token.get_secret_value(), session=session, default=DefaultBotProperties())


async def wait_for_telegram(bot: Bot) -> User:
    """``getMe``, retried until Telegram answers (a bot may start before the network)."""
    delay = 1.0
    while True:
        try:
            return await bot.get_me()
        except (TelegramAPIError, OSError) as exc:
            log.warning("Telegram not reachable yet (%s: %s); retrying in %.0f s", type(exc).__name__, exc, delay)
            await anyio.sleep(delay)
            delay = min(delay * 2, 30)


async def register_commands(bot: Bot, translate: Translator) -> None:
    """The command menu, in every language we speak."""
    names = [
        ("start", texts.COMMAND_START),
        ("help", texts.COMMAND_HELP),
        ("reset", texts.COMMAND_RESET),
        ("role", texts.COMMAND_ROLE),
        ("forget", texts.COMMAND_FORGET),
    ]
    for language in translate.languages:
        commands = [BotCommand(command=name, description=translate(text, language)) for name, text in names]
        # English is registered for itself and as the default, for languages we do not speak.
        for code in (None, "en") if language == "en" else (language,):
            try:
                await bot.set_my_commands(commands, language_code=code)
            except TelegramAPIError as exc:
                log.warning("could not register the %s command menu: %s", code or "default", exc)


def make_router(settings: Settings, health: Any, http: httpx.AsyncClient, on_call: Any) -> ModelRouter:
    assert settings.openrouter_api_key is not None
    timeouts = {
        "connect_timeout": settings.llm_connect_timeout,
        "first_token_timeout": settings.llm_first_token_timeout,
        "total_timeout": settings.llm_total_timeout,
        "app_url": settings.app_url,
        "app_title": settings.app_title,
        "http": http,
    }
    base = str(settings.openrouter_base_url).rstrip("/")
    primary_client = LLMClient(ModelEndpoint(base, settings.openrouter_api_key), **timeouts)  # type: ignore[arg-type]
    fallback_client = primary_client
    if settings.llm_fallback_base_url is not None:
        key = settings.llm_fallback_api_key or settings.openrouter_api_key or SecretStr("")
        fallback_endpoint = ModelEndpoint(str(settings.llm_fallback_base_url).rstrip("/"), key)
        fallback_client = LLMClient(fallback_endpoint, **timeouts)  # type: ignore[arg-type]
    return ModelRouter(
        ModelSlot(settings.llm_primary_model, primary_client),
        ModelSlot(settings.llm_fallback_model, fallback_client, fallback=True),
        health,
        hedge_after=settings.llm_hedge_after,
        max_tokens=settings.llm_max_answer_tokens,
        on_call=on_call,
        # Drafts show text every STREAM_DRAFT_INTERVAL at best: passing it on more often wakes the chat for
        # nothing (a draft then shows text at most one interval old; the first text and the end go at once).
        text_pause=settings.stream_draft_interval,
    )


def breaker_config(settings: Settings) -> BreakerConfig:
    return BreakerConfig(
        consecutive_failures=settings.breaker_consecutive_failures,
        window_size=settings.breaker_window,
        window_min_calls=min(settings.breaker_min_calls, settings.breaker_window),
        failure_rate=settings.breaker_failure_rate,
        break_time=settings.breaker_open_seconds,
        max_break_time=max(settings.breaker_open_max_seconds, settings.breaker_open_seconds),
        rate_limited_default=settings.rate_limited_default_seconds,
        misconfigured_for=settings.misconfigured_open_seconds,
    )


def call_record(report: CallReport) -> LLMCallRecord:
    return LLMCallRecord(
        dedup_key=report.dedup_key,
        chat_id=report.chat_id,
        user_id=report.user_id,
        model=report.model,
        outcome=report.outcome.value,
        is_fallback=report.is_fallback,
        is_hedge=report.is_hedge,
        latency_ms=int(report.latency * 1000),
        ttft_ms=None if report.ttft is None else int(report.ttft * 1000),
        prompt_tokens=report.prompt_tokens,
        completion_tokens=report.completion_tokens,
        cost=Decimal(report.cost) if report.cost is not None else None,
        generation_id=report.generation_id,
        error=report.error,
        role=report.role,
    )


async def run_bot(settings: Settings, database_url: str, *, stop: anyio.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT or ``stop`` (0), or a failure that reached the top of the supervision tree (1)."""
    # A restart or a busy minute starts many chats at once, each reading its history: opening
    # (and soon closing) a connection for each costs the bot and PostgreSQL more than waiting
    # a moment for one of 20 kept open.
    engine = create_engine(database_url, pool_size=20, overflow=False)
    bot = make_bot(settings)
    translate = Translator()
    roles = load_roles(settings.roles_file, settings.system_prompt)
    metrics = BotMetrics()
    status = PersistenceStatus(on_batch=metrics.batch_rows.observe)
    incidents = IncidentState()
    try:
        me = await wait_for_telegram(bot)
        log.info("running as @%s with %d role(s)", me.username, len(roles))
        await register_commands(bot, translate)
        system = ActorSystem(observer=RuntimeMetrics(metrics), shutdown_deadline=settings.shutdown_deadline)
        try:
            async with AsyncExitStack() as stack:
                stack.enter_context(gc_pauses_reported(metrics.gc_paused))
                pool = PooledTransport(max_connections=500)
                http = await stack.enter_async_context(httpx.AsyncClient(transport=pool))
                await stack.enter_async_context(system)
                wiring = _Wiring(settings, bot, me, engine, http, translate, roles, metrics, status, incidents)
                await _serve(wiring, system, stop or anyio.Event())
        except EscalationError as failure:
            # The runtime logged the critical line when it happened; the rest stopped gracefully since.
            log.error("the bot stopped after %s failed beyond its restart limits; exit status 1", failure.actor)
            return 1
        return 0
    finally:
        await bot.session.close()
        await engine.dispose()


@dataclass
class _Wiring:
    """What start-up prepared for the actors (one bundle instead of a dozen parameters)."""

    settings: Settings
    bot: Bot
    me: User
    engine: Any
    http: httpx.AsyncClient
    translate: Translator
    roles: Any
    metrics: BotMetrics
    status: PersistenceStatus
    incidents: IncidentState


async def _serve(wiring: _Wiring, system: ActorSystem, external_stop: anyio.Event) -> None:
    settings, bot, me, engine, http = wiring.settings, wiring.bot, wiring.me, wiring.engine, wiring.http
    translate, roles, metrics = wiring.translate, wiring.roles, wiring.metrics
    status, incidents = wiring.status, wiring.incidents
    spill = SpillFile(settings.data_dir / "spill.jsonl")
    persistence = system.spawn(
        lambda: PersistenceActor(
            engine,
            spill,
            status,
            batch_rows=settings.persist_batch_rows,
            batch_ms=settings.persist_batch_ms,
            retention_days=settings.retention_days,
        ),
        kind="persistence",
        capacity=settings.persist_queue_size,
        policy=RestartPolicy(max_restarts=10, within=60),
    )

    def store_event(record: ModelEventRecord) -> bool:
        return _offer(persistence, record)  # the health actor keeps what is not taken and offers it again

    board: dict[str, BreakerState] = {}
    health = system.spawn(
        lambda: ModelHealthActor(
            breaker_config(settings),
            store_event,
            on_transition=metrics.breaker_moved,
            incidents=incidents,
            board=board,
        ),
        kind="model-health",
    )

    async def on_call(report: CallReport) -> None:
        metrics.call_finished(report)
        try:
            await persistence.send(call_record(report))  # backpressure: a call's record is never dropped
        except ActorStopped:
            log.error("an llm_call record could not be queued for the database: the recorder has stopped")

    router = make_router(settings, health, http, on_call)
    courier = Courier(
        bot,
        Limits(
            global_per_second=settings.telegram_global_per_second,
            chat_per_second=settings.telegram_chat_per_second,
            group_per_minute=settings.telegram_group_per_minute,
        ),
    )
    store = DialogStore(engine, known_down=lambda: status.degraded)
    generations = Generations()

    async def answer_button(callback_id: str, text: str | None) -> None:
        try:
            await bot.answer_callback_query(callback_id, text=text)
        except TelegramAPIError as exc:
            log.info("callback answer failed: %s", type(exc).__name__)

    deps = ChatDeps(
        courier=courier,
        router=router,
        persistence=persistence,
        store=store,
        roles=roles,
        translate=translate,
        generations=generations,
        answer_button=answer_button,
        context_tokens=settings.llm_context_tokens,
        draft_interval=settings.stream_draft_interval,
        draft_budget=DraftBudget(settings.stream_draft_budget),
        edit_interval=settings.stream_edit_interval,
        defer_window=settings.deferred_answer_window,
        fallback_note=settings.fallback_note,
        on_answer=metrics.answer_delivered,
    )
    chats: Registry[int, Any, None] = system.registry(
        lambda chat_id: ChatActor(chat_id, deps),
        kind="chat",
        capacity=settings.chat_mailbox_size,
        idle_timeout=settings.chat_idle_seconds,
    )
    notices = system.registry(
        notice_factory(courier), kind="notice", capacity=3, overflow=Overflow.DROP_OLDEST, idle_timeout=60
    )
    gateway = Gateway(
        chats=chats,
        notices=notices,
        generations=generations,
        limiter=UserRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_per_day),
        translate=translate,
        bot_id=me.id,
        bot_username=me.username or "",
        max_chars=settings.max_message_chars,
        allowed_users=settings.allowed_user_ids,
    )
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router(gateway))
    intake = Intake(bot, dispatcher, persistence, store, on_update=metrics.update_received)
    metrics.watch(system, status, lambda: list(board.items()), lambda: courier.retries, lambda: incidents.count)

    def readiness() -> Readiness:
        return _readiness(settings, system, intake, status, incidents)

    runner = await start_server(build_app(metrics.registry, readiness), settings.bot_http_host, settings.bot_http_port)
    log.info("metrics and health on http://%s:%d", settings.bot_http_host, settings.bot_http_port)
    try:
        async with anyio.create_task_group() as tg:
            stop = anyio.Event()
            # The first SIGTERM/SIGINT stops the intake before the actors (below); a second cancels them.
            await tg.start(partial(shutdown_on_signals, system, on_first=stop.set))
            tg.start_soon(_watch_system, system, stop)
            tg.start_soon(_relay, external_stop, stop)
            tg.start_soon(watch_loop_lag, metrics.loop_lag.observe)
            tg.start_soon(watch_loop_busy, metrics.loop_busy.set)
            await intake.replay_pending()
            intake_scope = anyio.CancelScope()
            tg.start_soon(_run_intake, settings, intake, bot, intake_scope)
            await stop.wait()
            intake_scope.cancel()
            log.info("stopping: no new updates; finishing answers and flushing writes")
            await system.shutdown()
            tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):  # also when the bot is cancelled: no connection left checked out
            await store.aclose()
        await runner.cleanup()


async def _run_intake(settings: Settings, intake: Intake, bot: Bot, scope: anyio.CancelScope) -> None:
    with scope:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(intake.catch_up)  # if the database was down at start-up
            if settings.updates_mode is UpdatesMode.WEBHOOK:
                await serve_webhook(settings, intake, bot)
            else:
                await intake.poll_forever()


async def _relay(source: anyio.Event, target: anyio.Event) -> None:
    await source.wait()
    target.set()


async def _watch_system(system: ActorSystem, stop: anyio.Event) -> None:
    await system.wait_stopped()
    stop.set()


def _readiness(
    settings: Settings, system: ActorSystem, intake: Intake, status: PersistenceStatus, incidents: IncidentState
) -> Readiness:
    receiving = intake.polling and time.monotonic() < intake.healthy_until
    if settings.updates_mode is UpdatesMode.WEBHOOK:
        receiving = intake.polling
    checks = {
        "receiving_updates": receiving,
        "runtime": not system.stopping,
        "database": not status.degraded,
        "models": not incidents.active,
    }
    if not receiving or system.stopping:
        return Readiness("not_ready", checks)
    if status.degraded or incidents.active:
        return Readiness("degraded", checks)
    return Readiness("ready", checks)


def _offer(ref: Any, record: Any) -> bool:
    """Queue ``record`` without waiting; False if the mailbox is full now (the caller offers it again)."""
    try:
        ref.tell(record)
    except MailboxFull:
        return False
    except ActorStopped:
        log.error("a %s record could not be queued for the database: the recorder has stopped", record.kind)
    return True
