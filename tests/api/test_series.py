"""The time series: buckets aligned in the requested zone, every figure of every bucket checked."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api import expected
from tests.api.dataset import History
from tests.api.test_summary import iso

pytestmark = pytest.mark.anyio

SPRING = (
    datetime(2026, 3, 6, 17, 43, tzinfo=UTC),
    datetime(2026, 3, 10, tzinfo=UTC),
)  # US clocks go forward on the 8th
AUTUMN = (datetime(2026, 10, 31, 12, tzinfo=UTC), datetime(2026, 11, 2, 12, tzinfo=UTC))  # and back on 1 November
CASES = [
    pytest.param("day", "UTC", *SPRING, id="day-utc"),
    pytest.param("day", "Europe/Moscow", *SPRING, id="day-moscow"),
    pytest.param("day", "America/New_York", *SPRING, id="day-new-york-spring"),
    pytest.param("day", "America/New_York", *AUTUMN, id="day-new-york-autumn"),
    pytest.param("hour", "UTC", *SPRING, id="hour-utc"),
    pytest.param("hour", "America/New_York", *AUTUMN, id="hour-new-york-autumn"),
    pytest.param("hour", "Asia/Kolkata", *SPRING, id="hour-kolkata"),
    pytest.param("minute", "UTC", datetime(2026, 3, 7, 9, 30, tzinfo=UTC), datetime(2026, 3, 7, 14, 7, tzinfo=UTC)),
    pytest.param(
        "day", "Europe/Moscow", datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 1, 9, tzinfo=UTC), id="empty"
    ),
]


@pytest.mark.parametrize(("bucket", "tz", "start", "end"), CASES)
async def test_every_bucket_matches_the_rows(
    client: httpx.AsyncClient, history: History, bucket: str, tz: str, start: datetime, end: datetime
) -> None:
    response = await client.get(
        "/api/v1/timeseries", params={"from": iso(start), "to": iso(end), "bucket": bucket, "tz": tz}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["tz"], body["bucket"]) == (tz, bucket)
    points = body["points"]
    zone = ZoneInfo(tz)
    truth = expected.series(history, start, end, bucket, zone)
    by_start = {datetime.fromisoformat(point["start"]): point for point in points}
    assert len(by_start) == len(points), "every bucket appears once"
    assert set(truth) <= set(by_start), "every bucket with rows is in the series"
    # The buckets tile the range: each ends where the next starts, from the bucket of `from` to that of `to`.
    assert [point["end"] for point in points[:-1]] == [point["start"] for point in points[1:]]
    assert datetime.fromisoformat(points[0]["start"]) == expected.bucket_start(start, bucket, zone)
    assert datetime.fromisoformat(points[-1]["end"]) >= end > datetime.fromisoformat(points[-1]["start"])
    for moment, point in by_start.items():
        local = moment.astimezone(zone)
        assert (local.second, local.minute if bucket != "minute" else 0) == (0, 0)
        if bucket == "day":
            assert local.hour == 0
        want = truth.get(moment)
        if want is None:
            assert (point["messages_in"], point["messages_out"], point["calls_total"], point["cost_usd"]) == (
                0,
                0,
                0,
                0,
            )
            assert (point["latency_p50_ms"], point["latency_mean_ms"]) == (None, None)
            continue
        assert point["messages_in"] == want["messages_in"], moment
        assert point["messages_out"] == want["messages_out"], moment
        assert point["active_users"] == len(want["users"]), moment
        assert point["failovers"] == want["failovers"], moment
        assert point["calls"] == [
            {"model": model, "outcome": outcome, "calls": n} for (model, outcome), n in sorted(want["calls"].items())
        ]
        assert point["calls_total"] == sum(want["calls"].values())
        assert point["calls_failed"] == sum(
            n for (_, outcome), n in want["calls"].items() if outcome not in expected.FAILURE_FREE
        )
        assert point["tokens"] == want["tokens"]
        assert point["cost_usd"] == pytest.approx(float(want["cost"]), rel=1e-12, abs=1e-12)
        assert expected.mean_matches(point["latency_mean_ms"], want["latencies"]), moment
        for percent in (50, 95):
            exact = expected.exact_percentile(want["latencies"], percent)
            assert expected.percentile_close(point[f"latency_p{percent}_ms"], exact), (moment, percent)


async def test_local_days_last_23_and_25_hours_across_dst(client: httpx.AsyncClient) -> None:
    spring = await client.get(
        "/api/v1/timeseries",
        params={
            "from": "2026-03-07T05:00:00Z",
            "to": "2026-03-10T04:00:00Z",
            "bucket": "day",
            "tz": "America/New_York",
        },
    )
    lengths = [
        (datetime.fromisoformat(p["end"]) - datetime.fromisoformat(p["start"])).total_seconds() / 3600
        for p in spring.json()["points"]
    ]
    assert lengths == [24, 23, 24]
    autumn = await client.get(
        "/api/v1/timeseries",
        params={
            "from": "2026-11-01T04:00:00Z",
            "to": "2026-11-01T08:00:00Z",
            "bucket": "hour",
            "tz": "America/New_York",
        },
    )
    starts = [p["start"] for p in autumn.json()["points"]]
    # 01:00 EDT and 01:00 EST are two buckets, an hour apart.
    assert starts == ["2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"]
