"""PostgreSQL's binary ``COPY`` format, built a whole column at a time (numpy; no I/O).

``asyncpg``'s ``copy_records_to_table`` turns each row's Python objects into
bytes one value at a time, which costs more than generating the row did. The
seed makes millions of rows, so it hands the server bytes it built here from
numpy columns instead, through ``copy_to_table(..., format="binary")``.

The format (PostgreSQL's documentation, "COPY", "Binary Format"): a header,
then per row a 16-bit field count and per field a 32-bit length (-1 for NULL)
followed by the value in the type's binary send format, big-endian; a 16-bit
-1 ends the data. Each :class:`Column` holds its values already in that form,
one row of ``data`` per row of the table, so encoding is copying bytes into
place column by column rather than row by row.

One column per table may be a :class:`PooledColumn`: long values drawn from a
small set (the seed's message texts). It goes last in every row and is joined
in per row, which for long values costs less than moving them byte by byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
import numpy.typing as npt

__all__ = [
    "Column",
    "PooledColumn",
    "RaggedColumn",
    "Table",
    "bigint",
    "bits",
    "boolean",
    "int_arrays",
    "integer",
    "numbered",
    "numeric8",
    "pooled",
    "smallint",
    "strings",
    "timestamptz",
]

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"

Bytes2D = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Column:
    """One value per row in binary send format: row ``i`` is ``data[i, :lengths[i]]``, NULL where ``lengths[i] < 0``."""

    data: Bytes2D
    lengths: Ints

    def __len__(self) -> int:
        return len(self.lengths)


@dataclass(frozen=True)
class RaggedColumn:
    """Values of very different lengths: row ``i`` is ``flat[starts[i]:starts[i] + lengths[i]]`` (never NULL)."""

    flat: npt.NDArray[np.uint8]
    starts: Ints
    lengths: Ints

    def __len__(self) -> int:
        return len(self.lengths)


@dataclass(frozen=True)
class PooledColumn:
    """Row ``i`` holds the value ``fields[index[i]]`` is the field of: few distinct values, long ones."""

    fields: tuple[bytes, ...]  # each value as a field: its length, then its bytes
    index: Ints

    def __len__(self) -> int:
        return len(self.index)


@dataclass(frozen=True)
class Table:
    """Rows to ``COPY``: named columns in order, all of one length; at most one pooled column, last."""

    columns: dict[str, Column | RaggedColumn | PooledColumn]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.columns)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def encode(self) -> bytes:
        """The whole ``COPY ... FROM STDIN (FORMAT binary)`` stream of these rows."""
        return HEADER + self.encode_rows() + TRAILER

    def encode_rows(self) -> bytes:
        """The rows alone, without header and trailer."""
        fixed = [column for column in self.columns.values() if not isinstance(column, PooledColumn)]
        pooled = [column for column in self.columns.values() if isinstance(column, PooledColumn)]
        if len(pooled) > 1 or (pooled and not isinstance(list(self.columns.values())[-1], PooledColumn)):
            raise ValueError("a table may have one pooled column, and only as its last")
        heads, ends = _encode_heads(fixed, len(self.columns), len(self))
        if not pooled:
            return heads.tobytes()
        fields = pooled[0].fields
        view = memoryview(heads)  # type: ignore[arg-type]  # numpy arrays export the buffer protocol
        starts = np.concatenate(([0], ends[:-1])).tolist()
        head_parts = [view[start:end] for start, end in zip(starts, ends.tolist(), strict=True)]
        tail_parts = [fields[i] for i in pooled[0].index.tolist()]
        return b"".join(chain.from_iterable(zip(head_parts, tail_parts, strict=True)))


@lru_cache(maxsize=8)
def _pooled_fields(pool: tuple[str, ...]) -> tuple[bytes, ...]:
    """Each of ``pool``'s values as a field, once per pool (the seed gives every chunk the same one)."""
    encoded = (text.encode() for text in pool)
    return tuple(len(raw).to_bytes(4, "big") + raw for raw in encoded)


def _encode_heads(columns: Sequence[Column | RaggedColumn], field_count: int, rows: int) -> tuple[Bytes2D, Ints]:
    """Each row's field count and ``columns`` in one buffer; also where each row's bytes end."""
    if all(isinstance(column, Column) and bool((column.lengths == column.data.shape[1]).all()) for column in columns):
        return _encode_alike(columns, field_count, rows)  # type: ignore[arg-type]  # all are Columns
    sizes = np.full(rows, 2, dtype=np.int64)
    for column in columns:
        sizes += 4 + np.maximum(column.lengths, 0)
    ends = np.cumsum(sizes)
    out = np.empty(int(ends[-1]) if rows else 0, dtype=np.uint8)
    cursor = ends - sizes
    _put(out, cursor, np.full(rows, field_count, dtype=">i2").view(np.uint8).reshape(rows, 2))
    cursor += 2
    for column in columns:
        _put(out, cursor, column.lengths.astype(">i4").view(np.uint8).reshape(rows, 4))
        cursor += 4
        if isinstance(column, RaggedColumn):
            _put_ragged(out, cursor, column)
        else:
            _put(out, cursor, column.data, column.lengths)
        cursor += np.maximum(column.lengths, 0)
    return out, ends


def _encode_alike(columns: Sequence[Column], field_count: int, rows: int) -> tuple[Bytes2D, Ints]:
    """:func:`_encode_heads` when every row has the same size (no NULLs, no value shorter than its column):
    the rows are a matrix, and each column goes into its own slice of it at once."""
    size = 2 + sum(4 + column.data.shape[1] for column in columns)
    out = np.empty((rows, size), dtype=np.uint8)
    out[:, :2] = np.frombuffer(field_count.to_bytes(2, "big"), dtype=np.uint8)
    at = 2
    for column in columns:
        width = column.data.shape[1]
        out[:, at : at + 4] = np.frombuffer(width.to_bytes(4, "big"), dtype=np.uint8)
        out[:, at + 4 : at + 4 + width] = column.data
        at += 4 + width
    return out.reshape(-1), np.arange(1, rows + 1, dtype=np.int64) * size


def _put(out: Bytes2D, at: Ints, data: Bytes2D, lengths: Ints | None = None) -> None:
    """Copy row ``i`` of ``data`` (its first ``lengths[i]`` bytes) to ``out[at[i]:]``, one byte column at a time."""
    width = data.shape[1]
    if lengths is None or bool((lengths == width).all()):
        for j in range(width):
            out[at + j] = data[:, j]
        return
    for j in range(width):
        rows = lengths > j
        out[at[rows] + j] = data[rows, j]


def _put_ragged(out: Bytes2D, at: Ints, column: RaggedColumn) -> None:
    """Copy row ``i`` of ``column`` to ``out[at[i]:]``: every byte at once, by index."""
    total = int(column.lengths.sum())
    before = np.cumsum(column.lengths) - column.lengths  # bytes of the rows before, in the flat order
    step = np.arange(total, dtype=np.int64)
    out[np.repeat(at - before, column.lengths) + step] = column.flat[
        np.repeat(column.starts - before, column.lengths) + step
    ]


# -- columns of each type --------------------------------------------------------------------------


def _fixed(values: npt.NDArray[np.generic], null: Mask | None) -> Column:
    rows = len(values)
    width = values.dtype.itemsize
    lengths = np.full(rows, width, dtype=np.int64)
    if null is not None:
        lengths[null] = -1
    return Column(values.view(np.uint8).reshape(rows, width), lengths)


def smallint(values: npt.ArrayLike, null: Mask | None = None) -> Column:
    return _fixed(np.asarray(values, dtype=">i2"), null)


def bigint(values: npt.ArrayLike, null: Mask | None = None) -> Column:
    return _fixed(np.asarray(values, dtype=">i8"), null)


def integer(values: npt.ArrayLike, null: Mask | None = None) -> Column:
    return _fixed(np.asarray(values, dtype=">i4"), null)


def boolean(values: npt.ArrayLike) -> Column:
    return _fixed(np.asarray(values, dtype=np.bool_).astype(np.uint8), None)


def timestamptz(micros: npt.ArrayLike, null: Mask | None = None) -> Column:
    """Microseconds since 2000-01-01 00:00 UTC, PostgreSQL's epoch."""
    return bigint(micros, null)


def numeric8(units: npt.ArrayLike, null: Mask | None = None, scale: npt.ArrayLike = 8) -> Column:
    """``units`` hundred-millionths as a numeric (from 0 up to ten billion), shown with ``scale`` decimals (8 or 0).

    Numeric's send format: digit count, weight, sign and display scale (16 bits each), then base-10,000
    digits. Every value here has the same five digits (three of units, two of decimals); the server drops
    the zero ones itself. A scale of 0 is for zeros that ``sum()`` would show as ``0``.
    """
    whole = np.asarray(units, dtype=np.int64)
    if len(whole) and (int(whole.min()) < 0 or int(whole.max()) >= 10**10 * 100_000_000):
        raise ValueError("numeric8 takes amounts from 0 up to 10,000,000,000")
    integer, fraction = whole // 100_000_000, whole % 100_000_000
    words = np.empty((len(whole), 9), dtype=">i2")
    words[:, 0] = 5  # digits
    words[:, 1] = 2  # weight: the first digit counts 10,000^2
    words[:, 2] = 0  # positive
    words[:, 3] = scale
    words[:, 4] = integer // 100_000_000
    words[:, 5] = integer // 10_000 % 10_000
    words[:, 6] = integer % 10_000
    words[:, 7] = fraction // 10_000
    words[:, 8] = fraction % 10_000
    lengths = np.full(len(whole), 18, dtype=np.int64)
    if null is not None:
        lengths[null] = -1
    return Column(words.view(np.uint8).reshape(len(whole), 18), lengths)


def strings(pool: Sequence[str], index: npt.ArrayLike, null: Mask | None = None) -> Column:
    """Row ``i`` is ``pool[index[i]]`` (short texts: the rows are copied a byte column at a time)."""
    encoded = [text.encode() for text in pool]
    width = max((len(raw) for raw in encoded), default=0)
    table = np.zeros((len(encoded), width), dtype=np.uint8)
    for i, raw in enumerate(encoded):
        table[i, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    picks = np.asarray(index, dtype=np.int64)
    lengths = np.array([len(raw) for raw in encoded], dtype=np.int64)[picks]
    if null is not None:
        lengths[null] = -1
    return Column(table[picks], lengths)


def numbered(
    head: str, numbers: npt.ArrayLike, tails: Sequence[str], tail_index: npt.ArrayLike, null: Mask | None = None
) -> Column:
    """Row ``i`` is ``f"{head}{numbers[i]}{tails[tail_index[i]]}"`` (numbers from 0 up)."""
    values = np.asarray(numbers, dtype=np.int64)
    rows = len(values)
    digits = np.ones(rows, dtype=np.int64)
    power = np.ones(rows, dtype=np.int64)
    while bool((values >= power * 10).any()):
        grows = values >= power * 10
        digits += grows
        power[grows] *= 10
    raw_head = head.encode()
    raw_tails = [tail.encode() for tail in tails]
    most = int(digits.max()) if rows else 0
    width = len(raw_head) + most + max((len(raw) for raw in raw_tails), default=0)
    data = np.zeros((rows, width), dtype=np.uint8)
    data[:, : len(raw_head)] = np.frombuffer(raw_head, dtype=np.uint8)
    remaining = values.copy()
    for place in range(most):
        # The digit at ``place`` counts from the left; rows with fewer digits have none there.
        has = place < digits
        data[has, len(raw_head) + place] = 48 + remaining[has] // power[has]
        remaining[has] %= power[has]
        power[has] //= 10
    picks = np.asarray(tail_index, dtype=np.int64)
    rows_at = np.arange(rows)
    for t, raw in enumerate(raw_tails):
        chosen = picks == t
        for j, byte in enumerate(raw):
            data[rows_at[chosen], len(raw_head) + digits[chosen] + j] = byte
    tail_lengths = np.array([len(raw) for raw in raw_tails], dtype=np.int64)
    lengths = len(raw_head) + digits + tail_lengths[picks]
    if null is not None:
        lengths[null] = -1
    return Column(data, lengths)


def pooled(pool: Sequence[str], index: npt.ArrayLike) -> PooledColumn:
    return PooledColumn(_pooled_fields(tuple(pool)), np.asarray(index, dtype=np.int64))


def bits(rows: Bytes2D, length: int) -> Column:
    """``bit(length)`` values, each row's bits packed most significant first (``length / 8`` bytes)."""
    count = len(rows)
    header = np.full(count, length, dtype=">i4").view(np.uint8).reshape(count, 4)
    data = np.concatenate((header, rows), axis=1)
    return Column(data, np.full(count, data.shape[1], dtype=np.int64))


ARRAY_ELEMENT_TYPES = {"bigint": (20, ">i8"), "integer": (23, ">i4")}


def int_arrays(values: Ints, counts: Ints, element: str) -> RaggedColumn:
    """One-dimensional ``bigint[]`` or ``integer[]`` values: row ``i`` holds the next ``counts[i]`` of ``values``.

    The array send format: dimensions, a has-NULLs flag and the element type's id (32 bits each), then
    per dimension its length and lower bound (1), then the elements as fields (length and value).
    """
    oid, dtype = ARRAY_ELEMENT_TYPES[element]
    width = np.dtype(dtype).itemsize
    rows = len(counts)
    heads = np.zeros((rows, 5), dtype=">i4")
    heads[:, 0] = counts > 0  # an empty array has no dimensions
    heads[:, 2] = oid
    heads[:, 3] = counts
    heads[:, 4] = 1
    head_lengths = np.where(counts > 0, 20, 12)
    elements = np.empty(len(values), dtype=[("length", ">i4"), ("value", dtype)])
    elements["length"] = width
    elements["value"] = values
    # The flat buffer: every row's header (20 bytes, of which an empty array uses 12), then every element.
    flat = np.concatenate((heads.view(np.uint8).reshape(-1), elements.view(np.uint8).reshape(-1)))
    lengths = head_lengths + counts * (4 + width)
    # Each row is its header followed by its elements: gather them into place row by row.
    row_flat = np.empty(int(lengths.sum()), dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths
    _put_ragged(row_flat, starts, RaggedColumn(flat, np.arange(rows, dtype=np.int64) * 20, head_lengths))
    element_start = rows * 20 + (np.cumsum(counts) - counts) * (4 + width)
    _put_ragged(row_flat, starts + head_lengths, RaggedColumn(flat, element_start, counts * (4 + width)))
    return RaggedColumn(row_flat, starts, lengths)
