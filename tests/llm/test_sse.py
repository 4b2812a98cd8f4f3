"""The incremental SSE parser: whatever way the bytes are cut, the same events come out."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from actors.llm.sse import SSEEvent, SSEParser

STREAM = (
    b": OPENROUTER PROCESSING\n\n"
    b'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'
    b": OPENROUTER PROCESSING\n\n"
    b'data: {"choices":[{"delta":{"content":" \xc3\xa9t\xc3\xa9 \xf0\x9f\x99\x82"}}]}\n\n'
    b"data: [DONE]\n\n"
)
EXPECTED = [
    SSEEvent('{"choices":[{"delta":{"content":"Hi"}}]}'),
    SSEEvent('{"choices":[{"delta":{"content":" été 🙂"}}]}'),
    SSEEvent("[DONE]"),
]


def feed_all(parser: SSEParser, pieces: list[bytes]) -> list[SSEEvent]:
    events: list[SSEEvent] = []
    for piece in pieces:
        events.extend(parser.feed(piece))
    return events


def test_data_lines_become_events_and_comments_are_only_counted() -> None:
    parser = SSEParser()
    assert parser.feed(STREAM) == EXPECTED
    assert parser.comments == 2
    assert not parser.has_partial_event


def test_byte_by_byte_gives_the_same_events_even_inside_multibyte_characters() -> None:
    parser = SSEParser()
    assert feed_all(parser, [STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12), st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_any_split_and_any_line_ending_give_the_same_events(cuts: list[int], newline: bytes) -> None:
    stream = STREAM.replace(b"\n", newline)
    bounds = [0, *sorted(cuts), len(stream)]
    pieces = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    assert feed_all(SSEParser(), pieces) == EXPECTED


@given(
    st.lists(st.sampled_from([b"\n", b"\r\n", b"\r"]), min_size=STREAM.count(b"\n"), max_size=STREAM.count(b"\n")),
    st.lists(st.integers(min_value=0, max_value=2 * len(STREAM)), max_size=12),
)
def test_line_endings_mixed_within_one_stream_give_the_same_events(endings: list[bytes], cuts: list[int]) -> None:
    # A CR may end a line alone or start a CRLF (even one split across reads); every line may differ.
    lines = STREAM.split(b"\n")[:-1]
    for i in range(1, len(lines)):
        if endings[i - 1] == b"\r" and not lines[i] and endings[i] == b"\n":
            endings[i] = b"\r"  # CR, then an empty line ended by LF, would be one CRLF: one line, not two
    stream = b"".join(line + ending for line, ending in zip(lines, endings, strict=True))
    bounds = [0, *sorted(min(cut, len(stream)) for cut in cuts), len(stream)]
    pieces = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    assert feed_all(SSEParser(), pieces) == EXPECTED


def test_a_crlf_split_between_two_reads_is_one_line_end() -> None:
    parser = SSEParser()
    # Were the LF taken for a second (blank) line, "a" would be dispatched alone.
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\ndata: b\r\n\r\n") == [SSEEvent("a\nb")]


def test_multi_line_data_is_joined_with_newlines_and_fields_are_parsed() -> None:
    parser = SSEParser()
    events = parser.feed(b"event: update\nid: 7\ndata: first\ndata:second\nretry: 100\nunknown: x\n\n")
    assert events == [SSEEvent("first\nsecond", event="update", id="7")]
    assert parser.last_event_id == "7"


def test_an_event_without_data_dispatches_nothing() -> None:
    assert SSEParser().feed(b"event: ping\n\n\n\n") == []


def test_an_unterminated_event_is_held_back_until_its_blank_line() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: [DO") == []
    assert parser.has_partial_event
    assert parser.feed(b"NE]\n") == []
    assert parser.feed(b"\n") == [SSEEvent("[DONE]")]


def test_a_line_cut_off_by_the_end_of_the_stream_is_discarded() -> None:
    parser = SSEParser()
    parser.feed(b'data: {"partial": tr')
    assert parser.has_partial_event
    assert parser.close() == []
    assert not parser.has_partial_event


def test_a_last_event_missing_only_its_blank_line_is_kept_at_the_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: [DONE]\n") == []
    assert parser.close() == [SSEEvent("[DONE]")]


def test_empty_reads_change_nothing() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: x\r") == []
    assert parser.feed(b"") == []
    assert parser.feed(b"\n\n") == [SSEEvent("x")]
