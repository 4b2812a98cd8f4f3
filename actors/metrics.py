"""The bot's Prometheus metrics (``assistant_`` prefix, base units, ``_total`` counters).

One registry per process. The runtime reports through :class:`RuntimeMetrics`
(an ``Observer``); gauges that describe current state (mailbox depth, live
actors, breaker states, persistence) are read at scrape time from the objects
that own that state, so they can never drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from actors.llm.breaker import BreakerState, Transition
from actors.llm.router import CallReport
from actors.persistence.actor import PersistenceStatus
from runtime import ActorSystem, Observer

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120)
STALL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1)
PROCESSING_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60)
BREAKER_VALUE = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class BotMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("assistant_updates_received_total", "Telegram updates received", ["type"], registry=r)
        self.replies = Counter("assistant_replies_sent_total", "Answers delivered", ["source"], registry=r)
        self.answer_latency = Histogram(
            "assistant_answer_latency_seconds",
            "From receiving a message to its answer delivered",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.processed = Counter("assistant_actor_messages_total", "Messages handled by actors", ["kind"], registry=r)
        self.processing = Histogram(
            "assistant_actor_processing_seconds",
            "Time to handle one actor message",
            ["kind"],
            buckets=PROCESSING_BUCKETS,
            registry=r,
        )
        self.crashes = Counter("assistant_actor_crashes_total", "Actor messages that raised", ["kind"], registry=r)
        self.rejections = Counter(
            "assistant_mailbox_rejections_total", "Messages refused by a full mailbox", ["kind"], registry=r
        )
        self.drops = Counter(
            "assistant_mailbox_drops_total", "Messages dropped from a full mailbox", ["kind"], registry=r
        )
        self.restarts = Counter("assistant_actor_restarts_total", "Actor restarts after a crash", ["kind"], registry=r)
        self.llm_calls = Counter("assistant_llm_calls_total", "Calls to models", ["model", "outcome"], registry=r)
        self.llm_latency = Histogram(
            "assistant_llm_latency_seconds", "Model call duration", ["model"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.llm_ttft = Histogram(
            "assistant_llm_time_to_first_token_seconds",
            "Model time to first token",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.failovers = Counter("assistant_failovers_total", "Answers given by the fallback model", registry=r)
        self.hedges = Counter(
            "assistant_hedges_total", "Fallback calls started because the primary was slow", registry=r
        )
        self.misconfigured = Counter(
            "assistant_model_misconfigured_total",
            "Models routed away for a bad key (401) or no credits (402): fix the configuration",
            ["model"],
            registry=r,
        )
        self.breaker_transitions = Counter(
            "assistant_breaker_transitions_total", "Breaker state changes", ["model", "to"], registry=r
        )
        self.loop_lag = Histogram(
            "assistant_event_loop_lag_seconds",
            "How much later than asked the event loop ran a timer (something held the loop meanwhile)",
            buckets=STALL_BUCKETS,
            registry=r,
        )
        self.loop_busy = Gauge(
            "assistant_event_loop_busy_ratio",
            "Share of the last second the event loop spent working (0-1; near 1 every answer queues)",
            registry=r,
        )
        self.gc_pauses = Histogram(
            "assistant_gc_pause_seconds",
            "How long each garbage collection stopped the bot",
            ["generation"],
            buckets=STALL_BUCKETS,
            registry=r,
        )
        self.batch_rows = Histogram(
            "assistant_persistence_batch_rows",
            "Rows per database batch",
            buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 5000),
            registry=r,
        )

    # -- hooks for the rest of the bot ----------------------------------------------

    def update_received(self, kind: str) -> None:
        self.updates.labels(kind).inc()

    def gc_paused(self, generation: int, seconds: float) -> None:
        self.gc_pauses.labels(str(generation)).observe(seconds)

    def answer_delivered(self, latency: float, fallback: bool, stopped: bool) -> None:
        self.replies.labels("stopped" if stopped else "fallback" if fallback else "primary").inc()
        self.answer_latency.observe(latency)
        if fallback:
            self.failovers.inc()

    def call_finished(self, report: CallReport) -> None:
        self.llm_calls.labels(report.model, report.outcome.value).inc()
        self.llm_latency.labels(report.model).observe(report.latency)
        if report.ttft is not None:
            self.llm_ttft.labels(report.model).observe(report.ttft)
        if report.is_hedge:
            self.hedges.inc()

    def breaker_moved(self, model: str, transition: Transition) -> None:
        if transition.from_state is not transition.to_state:
            self.breaker_transitions.labels(model, transition.to_state.value).inc()
        if transition.route_away == "misconfigured":
            self.misconfigured.labels(model).inc()

    def watch(
        self,
        system: ActorSystem,
        persistence: PersistenceStatus,
        breakers: Callable[[], Iterable[tuple[str, BreakerState]]],
        telegram_retries: Callable[[], int],
        both_down: Callable[[], int] = lambda: 0,
    ) -> None:
        """Export gauges read at scrape time from the objects that own the state.

        ``both_down``: both-down incidents so far (the model-health actor counts them).
        """
        self.registry.register(_StateCollector(system, persistence, breakers, telegram_retries, both_down))


class RuntimeMetrics(Observer):
    """The runtime's hooks, counted."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.m = metrics

    def message_processed(self, kind: str, seconds: float, *, failed: bool) -> None:
        self.m.processed.labels(kind).inc()
        self.m.processing.labels(kind).observe(seconds)
        if failed:
            self.m.crashes.labels(kind).inc()

    def message_rejected(self, kind: str) -> None:
        self.m.rejections.labels(kind).inc()

    def message_dropped(self, kind: str) -> None:
        self.m.drops.labels(kind).inc()

    def actor_restarted(self, kind: str) -> None:
        self.m.restarts.labels(kind).inc()


class _StateCollector(Collector):
    def __init__(
        self,
        system: ActorSystem,
        persistence: PersistenceStatus,
        breakers: Callable[[], Iterable[tuple[str, BreakerState]]],
        telegram_retries: Callable[[], int],
        both_down: Callable[[], int],
    ) -> None:
        self.system = system
        self.persistence = persistence
        self.breakers = breakers
        self.telegram_retries = telegram_retries
        self.both_down = both_down

    def collect(self) -> Iterable[Metric]:
        live = GaugeMetricFamily("assistant_live_actors", "Running actors", labels=["kind"])
        depth = GaugeMetricFamily("assistant_mailbox_depth", "Messages waiting in mailboxes", labels=["kind"])
        for stats in self.system.snapshot():
            live.add_metric([stats.kind], stats.live)
            depth.add_metric([stats.kind], stats.queued)
        yield live
        yield depth
        breaker = GaugeMetricFamily(
            "assistant_breaker_state", "Circuit breaker per model: 0 closed, 1 half-open, 2 open", labels=["model"]
        )
        for model, state in self.breakers():
            breaker.add_metric([model], BREAKER_VALUE[state])
        yield breaker
        status = self.persistence
        yield GaugeMetricFamily(
            "assistant_persistence_degraded", "1 while the database is unavailable", value=float(status.degraded)
        )
        yield GaugeMetricFamily(
            "assistant_persistence_lag_seconds",
            "Age of the oldest record in the last batch",
            value=status.last_lag_seconds,
        )
        yield CounterMetricFamily(
            "assistant_persistence_spilled_rows", "Rows written to the spill file", value=status.spilled_rows
        )
        yield CounterMetricFamily(
            "assistant_both_down_incidents", "Times no model could answer", value=self.both_down()
        )
        yield CounterMetricFamily(
            "assistant_telegram_retries",
            "Telegram calls retried after a 429 or a network error",
            value=self.telegram_retries(),
        )

    def describe(self) -> Iterable[Any]:
        return []
