"""Bearer-token authentication of the ``/api/v1`` routes, and the start-up policy around it."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.settings import Settings

bearer = HTTPBearer(auto_error=False, description="The `STATS_API_TOKEN` of the service.")


class InsecureConfiguration(Exception):
    """The service was asked to start in a way that would expose the statistics without a token."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def configured_token(settings: Settings) -> str | None:
    """The token clients must send, or None when the service runs open (checked by :func:`check_startup`)."""
    token = settings.stats_api_token.get_secret_value().strip() if settings.stats_api_token else ""
    return token or None


def check_startup(settings: Settings) -> None:
    """Refuse to serve statistics without a token, unless explicitly told to run open on a loopback address."""
    if configured_token(settings) is not None:
        return
    if not settings.stats_api_allow_open:
        raise InsecureConfiguration(
            "STATS_API_TOKEN is not set: set it to a long random string (the dashboard sends it), "
            "or set STATS_API_ALLOW_OPEN=true to run without a token on a loopback API_HOST"
        )
    if not is_loopback(settings.api_host):
        raise InsecureConfiguration(
            "STATS_API_ALLOW_OPEN=true is only allowed when API_HOST is a loopback address, "
            f"not {settings.api_host!r}: set STATS_API_TOKEN instead"
        )


def tokens_match(given: str, expected: str) -> bool:
    """Constant-time comparison, so response times do not reveal how much of a guess was right."""
    return hmac.compare_digest(given.encode(), expected.encode())


async def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """401 with ``WWW-Authenticate: Bearer`` unless the request carries the configured token."""
    expected: str | None = request.app.state.token
    if expected is None:
        return
    given = credentials.credentials if credentials is not None and credentials.scheme.lower() == "bearer" else ""
    if not tokens_match(given, expected):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
