"""What the fake OpenRouter does with each call: faults, pacing, answers. Pure state, no I/O.

A *rule* applies an action to a model (or to every model: ``model=None``) for
the next ``times`` calls, or on each call with a ``probability`` drawn from a
seeded RNG, or until cleared. Actions come in three slots that combine: one
*fault* (fail, hang, malformed, break_stream, error_chunk, empty), one
``first_token_delay`` and one ``tokens_per_second``. For each call and slot the
first matching rule, in the order they were added, wins.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

FAULTS = frozenset({"fail", "hang", "malformed", "break_stream", "error_chunk", "empty"})
PACING = frozenset({"first_token_delay", "tokens_per_second"})
KINDS = FAULTS | PACING


@dataclass
class RecordedCall:
    """One request the fake received, as the tests see it (the key is masked in ``headers``)."""

    index: int
    model: str
    messages: list[dict[str, Any]]
    max_tokens: int | None
    temperature: float | None
    stream: bool
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    outcome: str = "pending"
    """ok, fail:<status>, hang, malformed, break_stream, error_chunk, empty, context_too_long, unauthorized,
    invalid, or disconnected (the client left mid-stream)."""
    generation_id: str | None = None
    usage: dict[str, Any] | None = None
    finished: bool = False
    """The fake is done with this call: answered, failed, or saw the client go away."""
    client_disconnected: bool = False
    """The client closed the connection before the fake finished answering."""
    received_at: float | None = None
    """time.monotonic() when the request arrived (comparable across processes on this machine)."""
    first_token_at: float | None = None
    """time.monotonic() just after the first chunk with content was written (non-streaming: the answer was ready)."""
    last_chunk_at: float | None = None
    """time.monotonic() just after the end of a successful stream was written (non-streaming: as first_token_at)."""

    @property
    def last_user_message(self) -> str:
        for message in reversed(self.messages):
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                return str(message["content"])
        return ""

    @property
    def prompt_chars(self) -> int:
        return sum(len(m["content"]) for m in self.messages if isinstance(m.get("content"), str))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordedCall:
        return cls(**data)


@dataclass(frozen=True)
class CallTiming:
    """A call's times without its body, for benchmarks that look at thousands of calls."""

    index: int
    model: str
    last_user_message: str
    outcome: str
    received_at: float | None
    first_token_at: float | None
    last_chunk_at: float | None

    @classmethod
    def of(cls, call: RecordedCall) -> CallTiming:
        return cls(
            call.index,
            call.model,
            call.last_user_message,
            call.outcome,
            call.received_at,
            call.first_token_at,
            call.last_chunk_at,
        )

    def to_json(self) -> list[Any]:
        return list(asdict(self).values())

    @classmethod
    def from_json(cls, data: list[Any]) -> CallTiming:
        return cls(*data)


Answer = str | Callable[[RecordedCall], str]


def default_answer(call: RecordedCall) -> str:
    """The fake's answer when nothing is scripted: proves what the model was sent."""
    return f"Echo: {call.last_user_message} [messages: {len(call.messages)}]"


@dataclass
class Rule:
    model: str | None
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    times: int | None = None
    probability: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown behaviour {self.kind!r}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError("probability must be within [0, 1]")

    def slot(self) -> str:
        return "fault" if self.kind in FAULTS else self.kind


@dataclass(frozen=True)
class Plan:
    """What to do for one call."""

    text: str
    fault: Rule | None = None
    first_token_delay: float = 0.0
    tokens_per_second: float | None = None
    context_limit: int | None = None

    @property
    def fault_kind(self) -> str | None:
        return self.fault.kind if self.fault else None


class Behaviour:
    """The rules, scripts and limits of the fake, and the seeded RNG behind probabilities."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.rules: list[Rule] = []
        self.scripts: dict[str | None, Answer] = {}
        self.context_limits: dict[str | None, int] = {}

    def add(self, rule: Rule) -> None:
        self.rules.append(rule)

    def clear(self, model: str | None = None) -> None:
        """Forget the rules, scripts and limits of ``model`` (``None``: of every model)."""
        if model is None:
            self.rules.clear()
            self.scripts.clear()
            self.context_limits.clear()
            return
        self.rules = [rule for rule in self.rules if rule.model != model]
        self.scripts.pop(model, None)
        self.context_limits.pop(model, None)

    def plan(self, call: RecordedCall) -> Plan:
        """Choose this call's behaviour, consuming ``times`` of the rules that apply."""
        chosen: dict[str, Rule] = {}
        for rule in list(self.rules):
            if rule.model not in (None, call.model) or rule.slot() in chosen:
                continue
            if rule.probability is not None and self.rng.random() >= rule.probability:
                continue
            chosen[rule.slot()] = rule
            if rule.times is not None:
                rule.times -= 1
                if rule.times == 0:
                    self.rules.remove(rule)
        answer = self.scripts.get(call.model, self.scripts.get(None, default_answer))
        text = answer if isinstance(answer, str) else answer(call)
        delay = chosen.get("first_token_delay")
        speed = chosen.get("tokens_per_second")
        limit = self.context_limits.get(call.model, self.context_limits.get(None))
        return Plan(
            text=text,
            fault=chosen.get("fault"),
            first_token_delay=float(delay.params["seconds"]) if delay else 0.0,
            tokens_per_second=float(speed.params["rate"]) if speed else None,
            context_limit=limit,
        )


def usage_for(call: RecordedCall, text: str) -> dict[str, Any]:
    """Deterministic usage: about four characters a token, 1 and 2 micro-credits a token."""
    prompt = math.ceil(call.prompt_chars / 4)
    completion = math.ceil(len(text) / 4)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cost": round(prompt * 0.000001 + completion * 0.000002, 9),
    }


def split_tokens(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
