"""Response models of the stats API: the contract the dashboard is generated from.

Conventions, the same in every model:

- every time is an ISO-8601 instant in UTC (``2026-01-31T21:00:00Z``);
- durations and latencies are numbers in milliseconds (``*_ms``) or seconds (``*_seconds``);
- money is a float in US dollars (``cost_usd``), the sum of what the models reported;
- a figure that has no meaning for an empty range (a percentile of no answers, the share
  of zero answers) is ``null``, never ``0``;
- percentiles are read from latency histograms with log-spaced bins: a reported
  percentile is within 2.5 % of the exact one (see ``api.histogram``); means are
  exact (sums and counts, kept beside the histograms).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Base of every response: serialised by alias, unknown fields forbidden."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Bucket(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


class DialogSort(StrEnum):
    ACTIVITY = "activity"
    MESSAGES = "messages"
    COST = "cost"


class SortOrder(StrEnum):
    DESC = "desc"
    ASC = "asc"


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class TimeRange(Model):
    """The half-open range ``[from, to)`` the figures cover, widened to whole minutes."""

    from_: datetime = Field(alias="from", description="Start of the range (included), on a whole minute.")
    to: datetime = Field(description="End of the range (excluded), on a whole minute.")


# -- Summary ---------------------------------------------------------------------------


class UserCounts(Model):
    total: int = Field(description="Users who had written to the bot before `to`.")
    new: int = Field(description="Users whose first message falls in the range.")
    active: int = Field(description="Distinct users who wrote at least one message in the range.")
    active_day: int = Field(description="Distinct users who wrote in the 24 hours ending at `to`.")
    active_week: int = Field(description="Distinct users who wrote in the 7 days ending at `to`.")
    active_month: int = Field(description="Distinct users who wrote in the 30 days ending at `to`.")


class ChatCounts(Model):
    total: int = Field(description="Chats (private or group) with a user message before `to`.")
    new: int = Field(description="Chats whose first user message falls in the range.")
    active: int = Field(description="Distinct chats with at least one user message in the range.")


class MessageCounts(Model):
    incoming: int = Field(description="Messages users sent that the bot took (`direction='in'`).")
    outgoing: int = Field(description="Answers the bot gave (`direction='out'`), one per answer however split.")


class AnswerStats(Model):
    answers: int = Field(description="Answers given in the range (same as `messages.outgoing`).")
    by_fallback: int = Field(description="Answers produced by the fallback model (failovers).")
    fallback_share: float | None = Field(description="`by_fallback / answers`; null without answers.")
    latency_mean_ms: float | None = Field(
        description="Mean answer latency (question received to answer delivered); null without answers."
    )
    latency_p50_ms: float | None = Field(description="Median answer latency (question received to answer delivered).")
    latency_p95_ms: float | None = Field(description="95th percentile of the answer latency.")


class CallStats(Model):
    total: int = Field(description="Requests made to any model.")
    ok: int = Field(description="Requests that completed (`outcome='ok'`).")
    failed: int = Field(description="Requests that failed: any outcome other than `ok` and `cancelled`.")
    cancelled: int = Field(description="Requests cancelled because a parallel (hedged) request won.")
    failure_rate: float | None = Field(
        description="`failed / (total - cancelled)`; null when no request completed or failed."
    )
    ttft_mean_ms: float | None = Field(description="Mean time to first token of the `ok` requests.")
    ttft_p50_ms: float | None = Field(description="Median time to first token of the `ok` requests.")
    ttft_p95_ms: float | None = Field(description="95th percentile of the time to first token of the `ok` requests.")


class IncidentStats(Model):
    both_down: int = Field(description="Incidents (no model could answer) that started in the range.")
    both_down_seconds: float = Field(
        description="Time in the range during which an incident was open (an unfinished one counts until now)."
    )


class UsageStats(Model):
    prompt_tokens: int = Field(description="Prompt tokens reported by the models.")
    completion_tokens: int = Field(description="Completion tokens reported by the models.")
    total_tokens: int = Field(description="`prompt_tokens + completion_tokens`.")
    cost_usd: float = Field(description="Cost of every request in the range, failed ones that were billed included.")


class Summary(Model):
    """Every headline figure of one time range."""

    range: TimeRange
    users: UserCounts
    chats: ChatCounts
    messages: MessageCounts
    answers: AnswerStats
    calls: CallStats
    incidents: IncidentStats
    usage: UsageStats


# -- Time series -----------------------------------------------------------------------


class CallCount(Model):
    model: str = Field(description="Model identifier, e.g. `openai/gpt-4o-mini`.")
    outcome: str = Field(description="`ok` or a failure class (see the data contract).")
    calls: int = Field(description="Requests to `model` with `outcome` in the bucket.")


class SeriesPoint(Model):
    """One bucket of the series; the first and the last may be cut by the range."""

    start: datetime = Field(description="Start of the bucket: a local minute, hour or midnight in `tz`, as UTC.")
    end: datetime = Field(description="End of the bucket (excluded), as UTC. A local day may last 23 or 25 hours.")
    messages_in: int = Field(description="Messages users sent.")
    messages_out: int = Field(description="Answers the bot gave.")
    active_users: int = Field(description="Distinct users who wrote in the bucket.")
    failovers: int = Field(description="Answers produced by the fallback model.")
    calls_total: int = Field(description="Requests made to any model.")
    calls_failed: int = Field(description="Requests that failed (outcome other than `ok` and `cancelled`).")
    calls: list[CallCount] = Field(description="Requests by model and outcome, sorted by model then outcome.")
    latency_mean_ms: float | None = Field(description="Mean answer latency; null without answers.")
    latency_p50_ms: float | None = Field(description="Median answer latency; null without answers.")
    latency_p95_ms: float | None = Field(description="95th percentile of the answer latency; null without answers.")
    tokens: int = Field(description="Prompt and completion tokens.")
    cost_usd: float = Field(description="Cost of the requests in the bucket.")


class TimeSeries(Model):
    range: TimeRange
    tz: str = Field(description="IANA time zone the buckets are aligned to.")
    bucket: Bucket
    points: list[SeriesPoint] = Field(description="Every bucket of the range in order, empty ones included.")


# -- Dialogs ----------------------------------------------------------------------------


class UserRef(Model):
    id: int = Field(description="Telegram user id.")
    username: str | None = Field(description="Telegram @username, without the @.")
    first_name: str | None
    last_name: str | None


class Dialog(Model):
    """A chat and what it amounts to; statistics survive deleted messages."""

    chat_id: int = Field(description="Telegram chat id (positive for private chats, negative for groups).")
    type: str = Field(description="`private`, `group` or `supergroup`.")
    title: str | None = Field(description="Group title; null for private chats.")
    role: str | None = Field(description="The chat's current role; null for the default role.")
    user: UserRef | None = Field(description="The user of a private chat; null for groups.")
    created_at: datetime
    last_activity_at: datetime = Field(description="Time of the chat's latest message (the default sort).")
    messages_in: int = Field(description="Messages users sent in the chat, ever.")
    messages_out: int = Field(description="Answers the bot gave in the chat, ever.")
    cost_usd: float = Field(description="Cost of every request made for the chat, ever.")


class DialogPage(Model):
    items: list[Dialog] = Field(description="Dialogs in the requested order.")
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class DialogMessage(Model):
    id: int
    direction: str = Field(description="`in` (a user's message) or `out` (an answer).")
    created_at: datetime
    user_id: int | None = Field(description="Author of an `in` message; the asking user of an `out` one.")
    author: str | None = Field(description="Display name of the author in groups.")
    text: str | None = Field(description="Null once retention removed it.")
    role: str | None = Field(description="Role the answer was given in; null for the default role.")
    model: str | None = Field(description="Model that produced the answer (`out` only).")
    is_fallback: bool = Field(description="The answer came from the fallback model.")
    latency_ms: int | None = Field(description="Question received to answer delivered (`out` only).")
    cost_usd: float | None = Field(description="Cost of every request made for the answer (`out` only).")


class DialogMessages(Model):
    dialog: Dialog
    items: list[DialogMessage] = Field(description="Messages newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` to get older messages; null when none are left.")


# -- Users, models, roles ---------------------------------------------------------------


class UserUsage(Model):
    user: UserRef
    messages_in: int = Field(description="Messages the user sent in the range.")
    messages_out: int = Field(description="Answers the user got in the range.")
    calls: int = Field(description="Requests made to models for the user.")
    tokens: int = Field(description="Prompt and completion tokens spent for the user.")
    cost_usd: float = Field(description="Cost of the requests made for the user.")


class TopUsers(Model):
    range: TimeRange
    by_messages: list[UserUsage] = Field(description="Most messages sent first; ties by user id.")
    by_cost: list[UserUsage] = Field(description="Highest cost first; ties by user id.")


class OutcomeCount(Model):
    outcome: str
    calls: int


class ModelEvent(Model):
    at: datetime
    model: str
    kind: str = Field(
        description="`breaker` (a state change) or `route_away` (skipped without a state change: rate-limited, "
        "no credits or a bad key; `reason` says which)."
    )
    from_state: str | None
    to_state: str | None
    reason: str | None


class LastFailure(Model):
    at: datetime = Field(description="When the failed request started.")
    outcome: str = Field(description="Its failure class, e.g. `timeout`, `server_error` or `rate_limited`.")


class ModelHealth(Model):
    model: str
    configured_as: str | None = Field(description="`primary` or `fallback` when this service's settings name it.")
    state: BreakerState = Field(description="Current breaker state: the target of its latest transition.")
    state_since: datetime | None = Field(description="When the breaker entered `state`; null if it never moved.")
    last_reason: str | None = Field(description="Reason given for the latest transition.")
    last_failure: LastFailure | None = Field(
        description="The model's latest failed request, whenever it was (like `state`); null if none ever failed."
    )
    calls: int = Field(description="Requests to the model in the range.")
    failures: int = Field(description="Failed requests (outcome other than `ok` and `cancelled`) in the range.")
    failure_rate: float | None = Field(description="`failures / (calls - cancelled)`; null without such calls.")
    outcomes: list[OutcomeCount] = Field(description="Requests in the range by outcome, sorted by outcome.")
    events: list[ModelEvent] = Field(description="The model's latest breaker events in the range, newest first.")


class Incident(Model):
    """A period during which no model could answer."""

    started_at: datetime
    ended_at: datetime | None = Field(description="Null while the incident is still open.")
    duration_seconds: float | None = Field(description="Null while the incident is still open.")


class ModelsReport(Model):
    range: TimeRange
    models: list[ModelHealth] = Field(description="Configured models first, then the others by name.")
    incidents: list[Incident] = Field(description="Incidents overlapping the range, newest first.")


class RoleUsage(Model):
    role: str | None = Field(description="Role name; null for the default role.")
    answers: int = Field(description="Answers given in the role in the range.")
    calls: int = Field(description="Requests made in the role in the range.")
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    switches: int = Field(description="Times a chat switched to the role (/role) in the range.")
    chats_now: int = Field(description="Chats currently using the role.")


class RolesReport(Model):
    range: TimeRange
    roles: list[RoleUsage] = Field(description="Sorted by answers, most first, then by name.")


# -- Service ----------------------------------------------------------------------------


class Health(Model):
    status: str = Field(description="Always `ok`: the process is alive.")


class Readiness(Model):
    ready: bool
    database: bool = Field(description="The database answered.")
    revision: str | None = Field(description="Migration revision the database is at.")
    expected_revision: str = Field(description="Revision this service needs (the newest).")
    reason: str | None = Field(description="Why the service is not ready; null when it is.")


class ErrorMessage(Model):
    detail: str
