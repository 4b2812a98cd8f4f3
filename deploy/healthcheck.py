"""Container health check: exit 0 when a local HTTP endpoint answers 2xx, else 1.

    python healthcheck.py PATH PORT_VARIABLE DEFAULT_PORT

The port comes from the service's own setting (``BOT_HTTP_PORT``, ``API_PORT``), so
the check follows the service if an operator moves it. Standard library only: the
slim images have no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3.0


def check(url: str) -> str | None:
    """None when ``url`` answers 2xx within the timeout, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code}"
    except (OSError, ValueError) as error:
        return f"{url} did not answer: {error}"
    return None if 200 <= status < 300 else f"{url} answered {status}"


def main(arguments: list[str]) -> int:
    if len(arguments) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, port_variable, default_port = arguments
    port = os.environ.get(port_variable) or default_port
    problem = check(f"http://127.0.0.1:{port}{path}")
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
