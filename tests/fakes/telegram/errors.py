"""Errors of the fake: Bot API answers, and mistakes a test makes when simulating a user."""

from __future__ import annotations

from typing import Any


class BotApiError(Exception):
    """A Bot API call answered with ``{"ok": false, ...}``; the HTTP status equals ``error_code``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> BotApiError:
    """400 with Telegram's "Bad Request: " prefix."""
    return BotApiError(400, f"Bad Request: {reason}")


def cant_parse_entities(reason: str) -> BotApiError:
    return bad_request(f"can't parse entities: {reason}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


class FakeTelegramError(Exception):
    """A test asked the fake for something impossible (e.g. pressing a button that is not there)."""


class ButtonNotFound(FakeTelegramError):
    """The message has no inline button with that callback data, so no user could press it."""


class StopButtonNotShown(FakeTelegramError):
    """The chat shows no draft with a stop button for that draft id."""


class MessageNotFound(FakeTelegramError):
    """No visible message with that id in that chat."""


class FakeTimeout(TimeoutError):
    """A wait on the fake's state ran out; the message says what was expected and what is there."""


class ControlRequestError(FakeTelegramError):
    """The control API over HTTP refused a request for a reason with no more specific class."""


# The control API sends the class name over HTTP so the client raises the same exception.
CONTROL_ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (ButtonNotFound, StopButtonNotShown, MessageNotFound, FakeTimeout, ControlRequestError, ValueError)
}
