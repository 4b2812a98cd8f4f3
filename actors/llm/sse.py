"""An incremental Server-Sent Events parser: bytes in, events out, no I/O.

Follows the WHATWG event-stream rules that matter for chat completions: lines
end in LF, CRLF or CR (a CRLF may be split across two reads); ``data:`` lines
of one event are joined with newlines; a blank line dispatches the event;
lines starting with ``:`` are comments (OpenRouter's ``: OPENROUTER
PROCESSING`` keep-alives) and are only counted. Bytes are decoded as UTF-8 per
complete line, so a multi-byte character split across reads is safe.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event. ``event`` is the ``event:`` field ("message" when absent)."""

    data: str
    event: str = "message"
    id: str | None = None


class SSEParser:
    """Feed it bytes as they arrive; it returns each complete event once.

    ``comments`` counts the comment lines seen (keep-alives), ``last_event_id``
    follows the ``id:`` field.
    """

    __slots__ = ("_buffer", "_data", "_event", "_pending_cr", "comments", "last_event_id")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._data: list[str] = []
        self._event = ""
        self._pending_cr = False
        self.comments = 0
        self.last_event_id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse ``chunk`` together with what earlier calls left over; return the completed events."""
        events: list[SSEEvent] = []
        if not chunk:
            return events
        if self._pending_cr and chunk[:1] == b"\n":
            # The second half of a CRLF whose CR ended the previous read.
            chunk = chunk[1:]
        self._pending_cr = False
        self._buffer += chunk
        start = 0
        buffer = self._buffer
        while True:
            end = _line_end(buffer, start)
            if end < 0:
                break
            line = bytes(buffer[start:end])
            if buffer[end] == 0x0D:  # CR
                if end + 1 < len(buffer):
                    start = end + 2 if buffer[end + 1] == 0x0A else end + 1
                else:
                    start = end + 1
                    self._pending_cr = True
            else:
                start = end + 1
            event = self._line(line.decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)
        del buffer[:start]
        return events

    def close(self) -> list[SSEEvent]:
        """The stream ended: return a last event that lacked only its blank line; drop a cut-off line.

        The spec discards an event not closed by a blank line; accepting one whose
        lines are complete is kinder to servers that end with ``data: [DONE]\n``.
        """
        self._buffer.clear()
        self._pending_cr = False
        event = self._dispatch()
        return [event] if event is not None else []

    @property
    def has_partial_event(self) -> bool:
        """Whether bytes or fields of an unfinished event are buffered."""
        return bool(self._buffer) or bool(self._data)

    def _line(self, line: str) -> SSEEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        # "retry" and unknown fields are ignored, as the spec says.
        return None

    def _dispatch(self) -> SSEEvent | None:
        if not self._data:
            self._event = ""
            return None
        event = SSEEvent(data="\n".join(self._data), event=self._event or "message", id=self.last_event_id)
        self._data = []
        self._event = ""
        return event


def _line_end(buffer: bytearray, start: int) -> int:
    """Index of the first CR or LF at or after ``start``, or -1."""
    lf = buffer.find(b"\n", start)
    cr = buffer.find(b"\r", start, lf if lf >= 0 else len(buffer))
    return cr if cr >= 0 else lf
