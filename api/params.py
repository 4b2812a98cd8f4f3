"""Query parameters shared by the routes, validated into plain values.

Invalid input raises :class:`fastapi.exceptions.RequestValidationError`, so a bad
``from`` or ``tz`` gets the same 422 body as a bad integer: a list of errors,
each with ``loc`` (where), ``msg`` (what is wrong, in words) and ``type``.
"""

from __future__ import annotations

import base64
import binascii
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from api.schemas import Bucket
from api.timeranges import ceil_minute, floor_minute

MAX_RANGE = timedelta(days=400)
DEFAULT_RANGE = timedelta(hours=24)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# Longest range each bucket size may cover, so a series never has more than ~3,000 points.
MAX_RANGE_FOR_BUCKET = {
    Bucket.MINUTE: timedelta(days=2),
    Bucket.HOUR: timedelta(days=125),
    Bucket.DAY: MAX_RANGE,
}
BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1


def invalid(location: tuple[str, ...], message: str, kind: str = "value_error") -> RequestValidationError:
    """A 422 error in FastAPI's own format."""
    return RequestValidationError([{"loc": location, "msg": message, "type": kind}])


@dataclass(frozen=True)
class Range:
    """A validated half-open range ``[start, end)`` of UTC instants on whole minutes."""

    start: datetime
    end: datetime


FromParam = Annotated[
    datetime | None,
    Query(
        alias="from",
        description="Start of the range (included), ISO-8601; without an offset it is UTC. "
        "Default: 24 hours before `to`. Rounded down to a whole minute.",
    ),
]
ToParam = Annotated[
    datetime | None,
    Query(
        description="End of the range (excluded), ISO-8601; without an offset it is UTC. "
        "Default: now. Rounded up to a whole minute.",
    ),
]


def time_range(from_: FromParam = None, to: ToParam = None) -> Range:
    """The requested range, defaulted, checked and widened to whole minutes (statistics are kept per minute)."""
    start = _as_utc(from_, "from") if from_ is not None else None
    end = _as_utc(to, "to") if to is not None else None
    if start is not None and end is not None and start >= end:
        raise invalid(("query", "from"), "`from` must be before `to`")
    start = floor_minute(start) if start is not None else None
    end = ceil_minute(end) if end is not None else None
    if end is None:
        now = ceil_minute(datetime.now(UTC))
        end = now if start is None else max(min(now, start + MAX_RANGE), start + timedelta(minutes=1))
    if start is None:
        start = end - DEFAULT_RANGE
    if end - start > MAX_RANGE:
        raise invalid(("query", "to"), f"the range may not exceed {MAX_RANGE.days} days")
    return Range(start, end)


def optional_time_range(
    from_: Annotated[
        datetime | None,
        Query(
            alias="from",
            description="Only dialogs where a user wrote at or after this instant (ISO-8601; rounded down to a "
            "minute). With `to` or alone; without either, every dialog.",
        ),
    ] = None,
    to: Annotated[
        datetime | None,
        Query(description="Only dialogs where a user wrote before this instant (rounded up to a minute)."),
    ] = None,
) -> Range | None:
    """The requested range as :func:`time_range` makes it, or None when neither end is given."""
    if from_ is None and to is None:
        return None
    return time_range(from_, to)


def _as_utc(value: datetime, name: str) -> datetime:
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not EARLIEST <= moment < LATEST:
        raise invalid(("query", name), f"`{name}` must be between {EARLIEST.year} and {LATEST.year}")
    return moment


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


def time_zone(
    tz: Annotated[
        str, Query(max_length=64, description="IANA time zone the buckets are aligned to, e.g. `Europe/Moscow`.")
    ] = "UTC",
) -> ZoneInfo:
    """The named IANA zone; anything else (a path, an offset, a typo) is refused with 422."""
    if tz not in known_time_zones():
        raise invalid(("query", "tz"), f"unknown time zone {tz!r}: use an IANA name such as 'Europe/Moscow'")
    return ZoneInfo(tz)


def check_bucket_count(window: Range, bucket: Bucket) -> None:
    """Refuse series that would have thousands of points (minute buckets over a month, say)."""
    longest = MAX_RANGE_FOR_BUCKET[bucket]
    if window.end - window.start > longest:
        days = longest.days
        raise invalid(("query", "bucket"), f"{bucket.value} buckets are available for ranges up to {days} days")


def search_text(value: str | None, name: str) -> str | None:
    """A search string stripped of surrounding blanks; NUL (which PostgreSQL cannot store) is refused."""
    if value is None:
        return None
    if "\x00" in value:
        raise invalid(("query", name), f"`{name}` may not contain NUL characters")
    value = value.strip()
    return value or None


def like_pattern(value: str) -> str:
    r"""An ILIKE pattern matching ``value`` anywhere, its own ``%``, ``_`` and ``\`` taken literally.

    Used with ``ESCAPE '\'`` and always as a bound parameter: the text never becomes SQL.
    """
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_cursor(*parts: Any) -> str:
    """An opaque cursor: the sort key of the last item, so the next page starts right after it."""
    text = "|".join(str(part) for part in parts)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    """The parts of a cursor made by :func:`encode_cursor`; anything else is refused with 422."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid(("query", "cursor"), "malformed cursor: pass a `next_cursor` value unchanged") from None
    parts = text.split("|")
    if len(parts) != arity:
        raise invalid(("query", "cursor"), "malformed cursor: pass a `next_cursor` value unchanged")
    return parts


def cursor_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise invalid(("query", "cursor"), "malformed cursor: pass a `next_cursor` value unchanged") from None
    if not BIGINT_MIN <= value <= BIGINT_MAX:
        raise invalid(("query", "cursor"), "malformed cursor: pass a `next_cursor` value unchanged")
    return value


def cursor_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(("query", "cursor"), "malformed cursor: pass a `next_cursor` value unchanged") from None
    if value.tzinfo is None:
        raise invalid(("query", "cursor"), "malformed cursor: pass a `next_cursor` value unchanged")
    return value
