"""``assistant api``: the stats API under uvicorn, one process."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from api.auth import check_startup
from assistant.gc_tuning import tune_gc
from assistant.logs import setup_logging
from assistant.settings import Settings
from db.connect import resolve_database_url


def serve(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; raises ``InsecureConfiguration`` before binding if no token is set.

    The API does not migrate the database (the bot does, and two migrators would
    race): until it is migrated, ``/readyz`` answers 503 and says so.
    """
    check_startup(settings)
    setup_logging(settings, service="api")
    database_url = resolve_database_url(settings)
    app = create_app(settings, database_url)
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # keep the logging set up above (JSON or text, secrets redacted)
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
    # A long series allocates tens of thousands of short-lived objects: with the default thresholds
    # the collector would run several times per request.
    tune_gc()
    uvicorn.Server(config).run()
    return 0
