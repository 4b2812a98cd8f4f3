"""OpenRouter's error responses: the JSON body and the headers that go with each status."""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

MESSAGES = {
    400: "Invalid request",
    401: "No auth credentials found",
    402: "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
    403: "Your chosen model requires moderation and your input was flagged",
    404: "No endpoints found for this model",
    408: "Request timed out",
    429: "Rate limit exceeded: free-models-per-min.",
    500: "Internal Server Error",
    502: "Provider returned error",
    503: "No allowed providers are available for the selected model.",
}


def error_body(model: str, status: int, message: str | None = None, code: int | str | None = None) -> dict[str, Any]:
    """``{"error": {"code", "message", "metadata"}}`` as OpenRouter sends it."""
    metadata: dict[str, Any] = {}
    if status == 403:
        metadata = {"reasons": ["harassment"], "flagged_input": "...", "provider_name": "Fake", "model_slug": model}
    elif status in (502, 503):
        metadata = {"provider_name": "Fake", "raw": "upstream error"}
    error: dict[str, Any] = {
        "code": status if code is None else code,
        "message": message or MESSAGES.get(status, "Error"),
    }
    if metadata:
        error["metadata"] = metadata
    return {"error": error}


def error_headers(status: int, retry_after: float | str | None, rate_limit_reset_ms: int | None) -> dict[str, str]:
    """Retry-After (seconds or an HTTP date, as given) and, for 429, the X-RateLimit-* headers."""
    headers: dict[str, str] = {}
    if isinstance(retry_after, str):
        headers["Retry-After"] = retry_after
    elif retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    if status == 429:
        if rate_limit_reset_ms is None:
            wait = retry_after if isinstance(retry_after, int | float) else 60.0
            rate_limit_reset_ms = int((time.time() + wait) * 1000)
        headers["X-RateLimit-Limit"] = "20"
        headers["X-RateLimit-Remaining"] = "0"
        headers["X-RateLimit-Reset"] = str(rate_limit_reset_ms)
    return headers


def http_date(unix_time: float) -> str:
    """``unix_time`` as an HTTP date, for Retry-After."""
    return formatdate(unix_time, usegmt=True)
