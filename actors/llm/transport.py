"""An httpx transport whose connection pool costs the same however many calls are open.

httpx's own pool (httpcore's) re-examines every connection on every request
and on every response's end: each idle one is polled with ``select()``, and
for each idle one the whole pool is listed again. With hundreds of answers
streaming at once that bookkeeping costs more than opening a new connection,
so connections were not worth keeping; but a new connection to OpenRouter is
a TCP and TLS handshake for every call. Here each origin has a stack of idle
HTTP/1.1 connections (the most recently used on top, the oldest checked for
expiry as others come back), a semaphore bounds the open connections, and
httpcore's connection class speaks the protocol. Errors are httpx's, as with
httpx's own transport.

    http = httpx.AsyncClient(transport=PooledTransport(max_connections=500))
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable, AsyncIterator
from types import TracebackType
from typing import Self

import anyio
import httpcore
import httpx

KEEPALIVE_EXPIRY = 5.0
"""Seconds an idle connection is kept (httpx's default): servers drop idle connections too."""

_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


_Key = tuple[bytes, bytes, int]
"""An origin as a dict key (httpcore's Origin is not hashable): scheme, host, port."""


def _as_httpx(error: Exception) -> Exception:
    """httpx's exception for an httpcore one (anything else as it is), as httpx's own transport maps them."""
    for source, target in _ERRORS:
        if isinstance(error, source):
            return target(str(error))
    return error


class PooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with at most ``max_connections`` open connections, idle ones reused (newest first)."""

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
        self._idle: dict[_Key, list[httpcore.AsyncHTTPConnection]] = {}
        self._open = 0
        self._returned = anyio.Event()  # set (and replaced) when a connection comes back or closes
        self.opened = 0
        """Connections opened so far (a figure for tests and benchmarks)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        origin = core_request.url.origin
        key = (origin.scheme, origin.host, origin.port)
        connection = await self._checkout(key, origin, request.extensions.get("timeout", {}).get("pool"))
        try:
            response = await connection.handle_async_request(core_request)
        except Exception as exc:
            await self._drop(connection)
            raise _as_httpx(exc) from exc
        except BaseException:
            await self._drop(connection)
            raise
        assert isinstance(response.stream, AsyncIterable)
        body = _Body(self, key, connection, response.stream)
        return httpx.Response(
            status_code=response.status, headers=response.headers, stream=body, extensions=response.extensions
        )

    async def aclose(self) -> None:
        """Close the idle connections (one still in use closes when its response does)."""
        idle, self._idle = self._idle, {}
        for stack in idle.values():
            for connection in stack:
                await self._drop(connection)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    # -- the pool ------------------------------------------------------------------

    async def _checkout(
        self, key: _Key, origin: httpcore.Origin, pool_timeout: float | None
    ) -> httpcore.AsyncHTTPConnection:
        """An idle connection to ``origin`` that is still good, or a new one (waiting for room if need be)."""
        connection = await self._reuse(key)
        if connection is not None:
            return connection
        try:
            with anyio.fail_after(pool_timeout):
                while self._open >= self.max_connections:
                    if await self._drop_any_idle():
                        continue  # an idle connection to another origin made room
                    await self._returned.wait()
                    connection = await self._reuse(key)
                    if connection is not None:
                        return connection
        except TimeoutError:
            raise httpx.PoolTimeout("no connection available within the pool timeout") from None
        self._open += 1
        self.opened += 1
        return httpcore.AsyncHTTPConnection(
            origin, ssl_context=self._context(), keepalive_expiry=self.keepalive_expiry, http1=True, http2=False
        )

    async def _reuse(self, key: _Key) -> httpcore.AsyncHTTPConnection | None:
        """The newest idle connection to the origin that can still serve a request (older bad ones closed)."""
        stack = self._idle.get(key)
        while stack:
            connection = stack.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await self._drop(connection)
        return None

    async def _checkin(self, key: _Key, connection: httpcore.AsyncHTTPConnection) -> None:
        """A response ended: keep its connection if it can serve another request, else let it go."""
        if not connection.is_idle():
            await self._drop(connection)
            return
        stack = self._idle.setdefault(key, [])
        stack.append(connection)
        self._wake()
        oldest = stack[0]
        if oldest is not connection and oldest.has_expired():
            del stack[0]
            await self._drop(oldest)

    async def _drop_any_idle(self) -> bool:
        for stack in self._idle.values():
            if stack:
                await self._drop(stack.pop(0))
                return True
        return False

    async def _drop(self, connection: httpcore.AsyncHTTPConnection) -> None:
        """Close ``connection`` (even while being cancelled) and free its place."""
        try:
            with anyio.CancelScope(shield=True):
                await connection.aclose()
        finally:
            self._open -= 1
            self._wake()

    def _wake(self) -> None:
        self._returned.set()
        self._returned = anyio.Event()

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context


class _Body(httpx.AsyncByteStream):
    """A response's body; closing it gives the connection back to the pool."""

    def __init__(
        self,
        pool: PooledTransport,
        key: _Key,
        connection: httpcore.AsyncHTTPConnection,
        stream: AsyncIterable[bytes],
    ) -> None:
        self._pool = pool
        self._key = key
        self._connection: httpcore.AsyncHTTPConnection | None = connection
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            raise _as_httpx(exc) from exc

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        except Exception as exc:
            await self._pool._drop(connection)
            raise _as_httpx(exc) from exc
        except BaseException:
            await self._pool._drop(connection)
            raise
        await self._pool._checkin(self._key, connection)
