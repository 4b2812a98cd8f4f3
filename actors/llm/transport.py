"""An httpx transport over aiohttp: httpx's API for the client, a C HTTP parser on the wire.

A streamed answer arrives as dozens of small server-sent events, and with
httpx's own transport each network read goes through httpcore and h11, which
parse HTTP in pure Python: about 4 ms of CPU per answer, measured against
1.5 ms for aiohttp reading the same stream (its parser is llhttp, in C). The
bot streams hundreds of answers at once on one event loop, so that difference
is most of what the model's stream costs it. aiohttp is already here: aiogram
talks to Telegram with it.

aiohttp's connector keeps idle HTTP/1.1 connections per origin and reuses
them, closes those idle longer than ``keepalive_expiry``, and bounds the open
ones at ``max_connections`` (a request waits for room within the pool
timeout). Responses are passed on undecoded, so httpx decodes their content
as usual. Errors are httpx's, as with httpx's own transport.

    http = httpx.AsyncClient(transport=PooledTransport(max_connections=500))

aiohttp needs asyncio (the bot's event loop); under trio, where the client
works too, httpx's own transport carries the requests.
"""

from __future__ import annotations

import ssl
import weakref
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Self

import aiohttp
import httpx
import sniffio
from aiohttp.connector import Connection
from aiohttp.tracing import Trace

KEEPALIVE_EXPIRY = 5.0
"""Seconds an idle connection is kept (httpx's default): servers drop idle connections too."""

_TIMEOUTS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
)


def _as_httpx(error: Exception) -> Exception:
    """httpx's exception for an aiohttp one (anything else as it is)."""
    for source, target in _TIMEOUTS:
        if isinstance(error, source):
            return target(str(error))
    if isinstance(error, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(error))
    if isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(str(error))
    if isinstance(error, aiohttp.ClientResponseError | aiohttp.InvalidURL):
        return httpx.ProtocolError(str(error))
    if isinstance(error, aiohttp.ClientError | OSError):
        return httpx.ReadError(str(error) or type(error).__name__)
    return error


class PooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with at most ``max_connections`` open connections, idle ones reused."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        keepalive_expiry: float = KEEPALIVE_EXPIRY,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None
        self._elsewhere: httpx.AsyncHTTPTransport | None = None  # not under asyncio
        self.opened = 0
        """Connections opened so far (a figure for tests and benchmarks)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if sniffio.current_async_library() != "asyncio":
            return await self._without_aiohttp().handle_async_request(request)
        timeouts = request.extensions.get("timeout", {})
        connect, pool = timeouts.get("connect"), timeouts.get("pool")
        timeout = aiohttp.ClientTimeout(
            total=None,
            # aiohttp's "connect" covers waiting for room in the pool and opening a connection.
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=timeouts.get("read"),
        )
        body = await request.aread()
        try:
            response = await self._open_session().request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body or None,
                timeout=timeout,
                allow_redirects=False,
            )
        except Exception as exc:
            raise _as_httpx(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()},
        )

    async def aclose(self) -> None:
        """Close every connection (one still in use closes when its response does)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        elsewhere, self._elsewhere = self._elsewhere, None
        if elsewhere is not None:
            await elsewhere.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    def _open_session(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the event loop it was made in.
        if self._session is None:
            connector = _CountingConnector(
                self,
                limit=self.max_connections,
                limit_per_host=0,
                keepalive_timeout=self.keepalive_expiry,
                ssl=self._ssl_context if self._ssl_context is not None else True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes the content, as it would its own transport's
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            )
        return self._session

    def _without_aiohttp(self) -> httpx.AsyncHTTPTransport:
        if self._elsewhere is None:
            limits = httpx.Limits(max_connections=self.max_connections, keepalive_expiry=self.keepalive_expiry)
            verify: ssl.SSLContext | bool = self._ssl_context if self._ssl_context is not None else True
            self._elsewhere = httpx.AsyncHTTPTransport(limits=limits, verify=verify)
        return self._elsewhere


class _CountingConnector(aiohttp.TCPConnector):
    """Counts the connections it opens into ``pool.opened``.

    (aiohttp's tracing could tell too, but it costs every request several
    signal objects; this costs a set lookup.)
    """

    def __init__(self, pool: PooledTransport, **options: Any) -> None:
        super().__init__(**options)
        self._pool = pool
        self._seen: weakref.WeakSet[object] = weakref.WeakSet()

    async def connect(
        self, req: aiohttp.ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        connection = await super().connect(req, traces, timeout)
        protocol = connection.protocol
        if protocol is not None and protocol not in self._seen:
            self._seen.add(protocol)
            self._pool.opened += 1
        return connection


class _Body(httpx.AsyncByteStream):
    """A response's body as aiohttp reads it; closing it gives the connection back to the pool.

    A body not read to its end closes its connection instead: the rest of it
    would still arrive on that connection.
    """

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._response.content.iter_any():
                yield part
        except Exception as exc:
            raise _as_httpx(exc) from exc

    async def aclose(self) -> None:
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()
