"""A TCP proxy that a test can cut: the way to take "the database" away from code under test.

Forwards 127.0.0.1:<port> to a TCP address or a Unix socket. ``cut()`` drops
every connection and refuses new ones (like a database that went away);
``hang()`` keeps accepting but forwards nothing either way (like a database
behind a network that silently drops packets); ``restore()`` ends either: the
hung connections are reset, and new ones are proxied again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import make_url


class TcpProxy:
    def __init__(self, *, host: str | None = None, port: int | None = None, unix_path: str | None = None) -> None:
        self._target_host, self._target_port, self._unix_path = host, port, unix_path
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._hung = False
        self.port = 0

    @classmethod
    def for_database(cls, url: str) -> TcpProxy:
        """A proxy in front of the PostgreSQL server that ``url`` points at."""
        parsed = make_url(url)
        socket_dir = parse_qs(urlsplit(url).query).get("host", [None])[0]
        if socket_dir and socket_dir.startswith("/"):
            return cls(unix_path=f"{socket_dir}/.s.PGSQL.{parsed.port or 5432}")
        return cls(host=parsed.host or "127.0.0.1", port=parsed.port or 5432)

    def url_for(self, url: str) -> str:
        """``url`` rewritten to go through this proxy."""
        parsed = make_url(url).set(host="127.0.0.1", port=self.port)
        query = {k: v for k, v in parsed.query.items() if k != "host"}
        return parsed.set(query=query).render_as_string(hide_password=False)

    async def start(self) -> None:
        if self.port == 0:
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
            probe.close()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def cut(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def hang(self) -> None:
        """Accept connections but let no byte through, on new and open connections alike."""
        self._hung = True
        if self._server is None:
            await self.start()

    async def restore(self) -> None:
        if self._hung:
            self._hung = False
            for writer in list(self._writers):
                writer.transport.abort()
            self._writers.clear()
        if self._server is None:
            await self.start()

    async def aclose(self) -> None:
        await self.cut()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._hung:
            self._writers.add(writer)
            with contextlib.suppress(OSError):
                while await reader.read(65536):
                    pass  # swallowed: nobody answers
            self._writers.discard(writer)
            return
        try:
            if self._unix_path:
                up_reader, up_writer = await asyncio.open_unix_connection(self._unix_path)
            else:
                up_reader, up_writer = await asyncio.open_connection(self._target_host, self._target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await source.read(65536):
                    if self._hung:
                        continue  # swallowed until restore() resets the connection
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.discard(writer)
        self._writers.discard(up_writer)
