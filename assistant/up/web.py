"""The dashboard under `up`: whether to install or build it, its environment, its server."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.settings import Settings

from assistant.up.children import Child, Output, State, describe_exit, run_child
from assistant.up.configuration import WEB_DIR

# -- the dashboard's build -------------------------------------------------------------------------

WEB_NOT_SOURCES = frozenset(
    {"node_modules", ".next", "test-results", "playwright-report", "coverage", "next-env.d.ts", ".git"}
)
"""Without git: what in web/ is not an input of ``next build`` (outputs, dependencies, test reports)."""


def web_sources(web_dir: Path) -> list[Path]:
    """The dashboard's source files: what git tracks or would track there (its .gitignore decides).

    Without git (an unpacked archive), every file outside :data:`WEB_NOT_SOURCES`.
    """
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "."],
            cwd=web_dir,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
        return [web_dir / name for name in listed.decode().split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        pass
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(web_dir):
        subdirectories[:] = [name for name in subdirectories if name not in WEB_NOT_SOURCES]
        found += [Path(directory) / name for name in files if name not in WEB_NOT_SOURCES]
    return found


def newest_mtime(paths: Iterable[Path]) -> float:
    """The newest modification time among ``paths`` (files removed meanwhile are skipped)."""
    return max((mtime for mtime in map(_mtime, paths) if mtime is not None), default=0.0)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


def web_install_needed(web_dir: Path) -> bool:
    """``npm ci`` is due when node_modules is missing or older than the lock file."""
    installed = _mtime(web_dir / "node_modules" / ".package-lock.json")
    lock = _mtime(web_dir / "package-lock.json") or _mtime(web_dir / "package.json") or 0.0
    return installed is None or installed < lock


def web_build_needed(web_dir: Path) -> bool:
    """``npm run build`` is due when there is no build or a source, the lock or the config is newer."""
    built = _mtime(web_dir / ".next" / "BUILD_ID")
    return built is None or built < newest_mtime(web_sources(web_dir))


def loopback(host: str) -> str:
    """Where to reach a server listening on ``host`` from this machine."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _setting_names() -> set[str]:
    from assistant.settings import Settings

    return {name.upper() for name in Settings.model_fields}


def python_env(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    return {**base, "PYTHONUNBUFFERED": "1", **extra}


def web_env(base: Mapping[str, str], settings: Settings, secret_values: Mapping[str, str]) -> dict[str, str]:
    """The dashboard's environment: the variables it reads, and no other secret of ours."""
    env = {name: value for name, value in base.items() if name not in _setting_names()}
    stats_api_url = settings.stats_api_url
    if "stats_api_url" not in settings.model_fields_set:  # follow API_HOST / API_PORT unless set explicitly
        stats_api_url = f"http://{loopback(settings.api_host)}:{settings.api_port}"
    env.update(
        STATS_API_URL=stats_api_url,
        STATS_API_TOKEN=secret_values["STATS_API_TOKEN"],
        DASHBOARD_PASSWORD=secret_values["DASHBOARD_PASSWORD"],
        DASHBOARD_SESSION_SECRET=secret_values["DASHBOARD_SESSION_SECRET"],
        DASHBOARD_REFRESH_SECONDS=f"{settings.dashboard_refresh_seconds:g}",
        DASHBOARD_TRUSTED_PROXIES=str(settings.dashboard_trusted_proxies),
        NEXT_TELEMETRY_DISABLED="1",
    )
    env.pop("NODE_ENV", None)  # npm ci must install the build tools (devDependencies)
    return env


async def build_web(
    commands: list[list[str]],
    env: Mapping[str, str],
    server: Callable[[], Child],
    *,
    output: Output,
    state: State,
    deadline: float,
) -> Child | None:
    """The dashboard's ``npm ci`` and ``npm run build``, before its first start; then its server (None: failed)."""
    for command in commands:
        output.say(f"web: {' '.join(command)} (in {WEB_DIR})")
        code = await run_child("web", command, env=env, cwd=WEB_DIR, output=output, state=state, deadline=deadline)
        if code is None:
            return None
        if code != 0:
            state.fail(
                f"`{' '.join(command)}` failed with {describe_exit(code)} (see the web lines above); "
                "fix it, or run without the dashboard: assistant up --no-web"
            )
            return None
    return server()


def web_child(settings: Settings, env: Mapping[str, str]) -> Child:
    """The dashboard's production server, started its own way (``npm start``: the standalone server)."""
    server_env = {**env, "NODE_ENV": "production", "PORT": str(settings.web_port), "HOSTNAME": "127.0.0.1"}
    url = f"http://127.0.0.1:{settings.web_port}/"
    return Child("web", ["npm", "start"], server_env, WEB_DIR, url)
