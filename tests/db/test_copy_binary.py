"""db.copy_binary: the bytes it builds are read back by PostgreSQL itself as the values meant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import numpy as np
import pytest

from db import copy_binary as cb
from db.connect import to_asyncpg_dsn

pytestmark = pytest.mark.anyio

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
TEXTS = ("", "short", "Müller ✓ " * 300)  # empty, ASCII, and long with multi-byte characters


def sample() -> cb.Table:
    null = np.array([False, True, False, False, True])
    micros = np.array([0, 1, -86_400_000_000, 834_000_123_456_789, 5])
    return cb.Table(
        {
            "key": cb.numbered("seed7-", [0, 9, 10, 12_345, 1_000_000_000_000], ("-in", "-out", ""), [0, 1, 2, 0, 1]),
            "big": cb.bigint([0, -1, 2**62, -(2**63), 7], null=null),
            "small": cb.integer([2**31 - 1, -(2**31), 0, 5, 6], null=null),
            "flag": cb.boolean([True, False, True, False, True]),
            "at": cb.timestamptz(micros, null=np.array([False, False, False, False, True])),
            "cost": cb.numeric8([0, 1, 123_456_789, 999_999_999_999, 100_000_000], null=null),
            "name": cb.strings(
                ("in", "out", "Müller"), [2, 0, 1, 2, 0], null=np.array([False, False, True, False, False])
            ),
            "body": cb.pooled(TEXTS, [2, 0, 1, 2, 1]),
        }
    )


async def test_postgresql_reads_every_type_back_as_the_value_meant(database_url: str) -> None:
    db = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        await db.execute(
            "CREATE TEMP TABLE copied (n serial, key varchar(64), big bigint, small integer, flag boolean, "
            "at timestamptz, cost numeric(14, 8), name varchar(16), body text)"
        )
        table = sample()

        async def stream() -> AsyncIterator[bytes]:
            yield table.encode()

        await db.copy_to_table("copied", source=stream(), columns=table.names, format="binary")
        rows = [tuple(row)[1:] for row in await db.fetch("SELECT * FROM copied ORDER BY n")]
        texts = await db.fetch("SELECT cost::text FROM copied ORDER BY n")
    finally:
        await db.close()
    assert rows == [
        ("seed7-0-in", 0, 2**31 - 1, True, EPOCH, Decimal(0), "Müller", TEXTS[2]),
        ("seed7-9-out", None, None, False, EPOCH + timedelta(microseconds=1), None, "in", TEXTS[0]),
        ("seed7-10", 2**62, 0, True, EPOCH - timedelta(days=1), Decimal("1.23456789"), None, TEXTS[1]),
        (
            "seed7-12345-in",
            -(2**63),
            5,
            False,
            EPOCH + timedelta(microseconds=834_000_123_456_789),
            Decimal("9999.99999999"),
            "Müller",
            TEXTS[2],
        ),
        ("seed7-1000000000000-out", None, None, True, None, None, "in", TEXTS[1]),
    ]
    # The scale the column keeps (8 places), as sum() and the rollups will show it.
    assert [row[0] for row in texts] == ["0.00000000", None, "1.23456789", "9999.99999999", None]


async def test_arrays_bits_and_sums_are_read_back_as_the_rollups_keep_them(database_url: str) -> None:
    db = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        await db.execute(
            "CREATE TEMP TABLE rolled (n serial, grain smallint, hist bigint[], who integer[], bits bit(16), "
            "cost numeric)"
        )
        flags = np.zeros((3, 2), dtype=np.uint8)
        flags[0, 0] = 0b1000_0000
        flags[2] = (0b0000_0001, 0b1000_0001)
        table = cb.Table(
            {
                "grain": cb.smallint([1, 60, 1440]),
                "hist": cb.int_arrays(np.array([(3 << 40) | 2, 2**62]), np.array([0, 2, 0]), "bigint"),
                "who": cb.int_arrays(np.array([0, 7, 2**31 - 1]), np.array([1, 0, 2]), "integer"),
                "bits": cb.bits(flags, 16),
                "cost": cb.numeric8([0, 12_345_678_901_234_567, 5], scale=np.array([0, 8, 8])),
            }
        )

        async def stream() -> AsyncIterator[bytes]:
            yield table.encode()

        await db.copy_to_table("rolled", source=stream(), columns=table.names, format="binary")
        rows = [
            tuple(row)
            for row in await db.fetch("SELECT grain, hist, who, bits::text, cost::text FROM rolled ORDER BY n")
        ]
    finally:
        await db.close()
    assert rows == [
        (1, [], [0], "1000000000000000", "0"),
        (60, [(3 << 40) | 2, 2**62], [], "0000000000000000", "123456789.01234567"),
        (1440, [], [7, 2**31 - 1], "0000000110000001", "0.00000005"),
    ]


def test_amounts_numeric8_cannot_hold_are_refused() -> None:
    with pytest.raises(ValueError, match="10,000,000,000"):
        cb.numeric8([10**10 * 100_000_000])
    with pytest.raises(ValueError, match="10,000,000,000"):
        cb.numeric8([-1])


def test_a_pooled_column_goes_last() -> None:
    table = cb.Table({"body": cb.pooled(TEXTS, [0]), "big": cb.bigint([1])})
    with pytest.raises(ValueError, match="last"):
        table.encode()


def test_a_row_is_laid_out_as_the_format_defines() -> None:
    table = cb.Table({"big": cb.bigint([258]), "name": cb.strings(("ab",), [0]), "flag": cb.boolean([True])})
    expected = (
        b"\x00\x03"  # three fields
        + b"\x00\x00\x00\x08"
        + (258).to_bytes(8, "big")
        + b"\x00\x00\x00\x02ab"
        + b"\x00\x00\x00\x01\x01"
    )
    assert table.encode() == cb.HEADER + expected + cb.TRAILER
