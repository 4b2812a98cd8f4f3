"""Reading Bot API parameters that arrive as form fields (strings, JSON-encoded when complex) or JSON."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from tests.fakes.telegram.errors import bad_request

# Parameters whose value is a JSON-serialized object or array when sent as a form field.
JSON_FIELDS = frozenset(
    {
        "entities",
        "caption_entities",
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "menu_button",
        "update",
        "user",
        "failure",
    }
)
# Scalars that arrive as strings in form data; the call records show them as numbers and booleans.
_INTEGER_FIELDS = frozenset(
    {"chat_id", "message_id", "draft_id", "offset", "limit", "timeout", "reply_to_message_id", "message_thread_id"}
)
_BOOLEAN_FIELDS = frozenset(
    {"can_stop", "keep_on_stop", "disable_notification", "protect_content", "show_alert", "drop_pending_updates"}
)


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        with contextlib.suppress(ValueError):
            return json.loads(value)
    if name in _INTEGER_FIELDS:
        with contextlib.suppress(ValueError):
            return int(value)
    if name in _BOOLEAN_FIELDS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


class Params:
    """Typed access to one request's parameters, answering Telegram-style 400s on bad values."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def decoded(self) -> dict[str, Any]:
        """All parameters with JSON, numbers and booleans decoded where possible, for the call records."""
        return {name: _decode(name, value) for name, value in self.values.items()}

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None if value is None else ""
        if isinstance(value, (dict, list)):
            raise bad_request(f"{name} must be a string")
        return str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def required_integer(self, name: str) -> int:
        value = self.integer(name, required=True)
        assert value is not None
        return value

    def number(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def json(self, name: str) -> Any:
        """The decoded JSON value, or None when absent."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_id(self) -> int:
        """The ``chat_id``; an @username is refused since the fake knows chats only by id."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            raise bad_request("chat not found")
        return self.required_integer("chat_id")
