"""``assistant up``: the whole system on one machine, for someone who has only Python and Node.

1. Reads the configuration (``.env`` and the environment) and says exactly what is
   missing before starting anything. The stats API token and the dashboard's
   password and session secret are generated once when unset, and kept in
   ``DATA_DIR/generated-secrets.env`` (mode 0600).
2. Uses ``DATABASE_URL``, or starts the embedded PostgreSQL for as long as ``up`` runs.
3. Migrates the database.
4. Runs the bot, the stats API and the dashboard (built first when its build is
   missing or older than its sources) as child processes, their output prefixed
   ``bot |``, ``api |``, ``web |``. A child that dies is restarted after a backoff;
   one that keeps dying stops everything with a non-zero exit.
5. Ctrl-C or SIGTERM: SIGTERM to every child, SIGKILL to those still running after
   a deadline (a second Ctrl-C: at once), the embedded database stopped, exit 0.

The decisions (what is missing, secrets, restart backoff, whether to rebuild) are
plain functions; the rest is process plumbing on anyio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import anyio.abc

    from assistant.settings import Settings

from assistant.up.children import (
    Child,
    LineSplitter,
    Output,
    RestartDecision,
    RestartPolicy,
    State,
    decide_restart,
    describe_exit,
    supervise,
)
from assistant.up.configuration import (
    EXIT_MISSING,
    GENERATED_SECRETS,
    SECRETS_FILE_NAME,
    WEB_DIR,
    configured_secrets,
    missing_message,
    read_env_file,
    resolve_secrets,
)
from assistant.up.web import build_web, loopback, python_env, web_build_needed, web_child, web_env, web_install_needed

__all__ = [
    "GENERATED_SECRETS",
    "SECRETS_FILE_NAME",
    "WEB_DIR",
    "LineSplitter",
    "Output",
    "Plan",
    "RestartDecision",
    "RestartPolicy",
    "add_arguments",
    "build_plan",
    "decide_restart",
    "describe_exit",
    "missing_message",
    "read_env_file",
    "resolve_secrets",
    "run",
    "web_build_needed",
    "web_env",
    "web_install_needed",
]


@dataclass
class Plan:
    settings: Settings
    children: list[Child]
    """The Python services."""
    web: str | None = None
    """The dashboard's URL, when it runs."""
    web_build: list[list[str]] = field(default_factory=list)
    """Commands to run in web/ before the dashboard starts (npm ci, npm run build)."""
    web_env: dict[str, str] = field(default_factory=dict)


async def announce_ready(name: str, url: str, output: Output) -> None:
    """Say once when ``url`` answers (anything below 500), so the operator knows where to look."""
    import anyio
    import httpx

    async with httpx.AsyncClient(timeout=2.0, follow_redirects=False) as http:
        while True:
            try:
                response = await http.get(url)
                if response.status_code < 500:
                    output.say(f"{name} is ready: {url}")
                    return
            except httpx.HTTPError:
                pass
            await anyio.sleep(0.5)


async def watch_signals(state: State, output: Output, *, task_status: anyio.abc.TaskStatus[None]) -> None:
    import anyio

    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        async for signum in signals:
            name = signal.Signals(signum).name
            if not state.stop.is_set():
                output.say(f"{name}: stopping every service (again to stop at once)")
                state.stop.set()
            else:
                output.say(f"{name} again: killing what is still running")
                state.hurry.set()


@dataclass
class Database:
    url: str
    stop: Callable[[], None] | None
    """Stops the embedded server; None when DATABASE_URL points elsewhere."""


def uses_embedded_database(settings: Settings) -> bool:
    return settings.database_url is None or not settings.database_url.get_secret_value().strip()


def open_database(settings: Settings) -> Database:
    """``DATABASE_URL`` if set, else the embedded PostgreSQL, kept running until :attr:`Database.stop`."""
    from db.connect import resolve_database_url

    if not uses_embedded_database(settings):
        return Database(resolve_database_url(settings), None)
    from db.embedded import EmbeddedPostgres

    with warnings.catch_warnings():  # platformdirs' "XDG_RUNTIME_DIR is not set": noise here
        warnings.simplefilter("ignore")
        # Not stopped at exit by the library (that would stop it twice): `up` stops it itself.
        server = EmbeddedPostgres(settings.embedded_postgres_dir, keep_running=True)
    return Database(resolve_database_url(settings), server.stop)


async def run_plan(plan: Plan, output: Output, policy: RestartPolicy) -> int:
    import anyio

    from db.migrate import upgrade

    state = State(anyio.Event(), anyio.Event())
    deadline = plan.settings.shutdown_deadline + 7
    database: Database | None = None
    async with anyio.create_task_group() as tg:
        await tg.start(watch_signals, state, output)
        try:
            if uses_embedded_database(plan.settings):
                output.say(f"starting the embedded PostgreSQL (data in {plan.settings.embedded_postgres_dir})")
            database = await anyio.to_thread.run_sync(open_database, plan.settings)
            if not state.stop.is_set():
                output.say("migrating the database")
                await anyio.to_thread.run_sync(upgrade, database.url)
            if not state.stop.is_set():
                await _run_children(plan, database.url, output, state, policy, deadline)
        except Exception as error:  # a database that does not start or migrate: say so, stop cleanly
            state.fail(f"{type(error).__name__}: {error}")
        finally:
            with anyio.CancelScope(shield=True):
                if database is not None and database.stop is not None:
                    output.say("stopping the embedded PostgreSQL")
                    await anyio.to_thread.run_sync(database.stop)
        tg.cancel_scope.cancel()
    if state.failed is not None:
        output.say(f"stopped: {state.failed}")
        return 1
    output.say("stopped")
    return 0


async def _run_children(
    plan: Plan, database_url: str, output: Output, state: State, policy: RestartPolicy, deadline: float
) -> None:
    import anyio

    # The supervisors end by themselves once `state.stop` is set (after stopping their child and
    # printing its last lines); only the announcements are cancelled.
    async with anyio.create_task_group() as supervisors, anyio.create_task_group() as announcements:
        run = partial(supervise, output=output, state=state, policy=policy, deadline=deadline)
        for child in plan.children:
            child = replace(child, env={**child.env, "DATABASE_URL": database_url})
            supervisors.start_soon(run, child)
            announcements.start_soon(announce_ready, child.name, child.ready_url, output)
        if plan.web is not None:
            web_server = partial(web_child, plan.settings, plan.web_env)
            if plan.web_build:
                build = partial(
                    build_web, plan.web_build, plan.web_env, web_server, output=output, state=state, deadline=deadline
                )
                supervisors.start_soon(run, build)
            else:
                supervisors.start_soon(run, web_server())
            announcements.start_soon(announce_ready, "dashboard", plan.web, output)
        await state.stop.wait()
        announcements.cancel_scope.cancel()


# -- the command ----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-web", action="store_true", help="do not build or run the dashboard (no Node needed)")
    parser.add_argument("--no-bot", action="store_true", help="run only the stats API and the dashboard")


def build_plan(settings: Settings, args: argparse.Namespace, output: Output, environ: Mapping[str, str]) -> Plan | int:
    """What to run, or the exit code when something is missing (after saying what)."""
    env_file = Path.cwd() / ".env"
    run_bot = not args.no_bot
    run_web = not args.no_web
    if run_bot:
        missing = settings.missing_for_bot()
        if missing:
            print(missing_message(missing, env_file), file=sys.stderr)
            return EXIT_MISSING
    if run_web and not (WEB_DIR / "package.json").is_file():
        output.say(f"no dashboard in {WEB_DIR} (no package.json): running without it")
        run_web = False
    if run_web and (shutil.which("node") is None or shutil.which("npm") is None):
        print(
            "assistant up: the dashboard needs Node.js 20 or newer (node and npm on PATH).\n"
            "Install it, or run without the dashboard: assistant up --no-web",
            file=sys.stderr,
        )
        return EXIT_MISSING

    secrets_file = settings.data_dir / SECRETS_FILE_NAME
    service_secrets = resolve_secrets(configured_secrets(settings), secrets_file)
    if "DASHBOARD_PASSWORD" in service_secrets.generated and run_web:
        password = service_secrets.values["DASHBOARD_PASSWORD"]
        output.say(f"dashboard password: {password}  (generated once, kept in {secrets_file})")
    elif "DASHBOARD_PASSWORD" in service_secrets.stored and run_web:
        output.say(f"the dashboard password is DASHBOARD_PASSWORD in {secrets_file}")
    if "STATS_API_TOKEN" in service_secrets.generated:
        output.say(f"generated STATS_API_TOKEN for the stats API, kept in {secrets_file}")

    python = [sys.executable, "-m", "assistant.cli"]
    python_extra: dict[str, str] = {}
    if settings.log_format.value == "auto" and output.stream.isatty():
        python_extra["LOG_FORMAT"] = "text"
    base = dict(environ)
    children: list[Child] = []
    if run_bot:
        bot_url = f"http://{loopback(settings.bot_http_host)}:{settings.bot_http_port}/readyz"
        children.append(Child("bot", [*python, "bot"], python_env(base, python_extra), Path.cwd(), bot_url))
    api_env = python_env(base, {**python_extra, "STATS_API_TOKEN": service_secrets.values["STATS_API_TOKEN"]})
    api_url = f"http://{loopback(settings.api_host)}:{settings.api_port}/readyz"
    children.append(Child("api", [*python, "api"], api_env, Path.cwd(), api_url))

    plan = Plan(settings, children)
    if run_web:
        plan.web = f"http://127.0.0.1:{settings.web_port}/"
        plan.web_env = web_env(base, settings, service_secrets.values)
        if web_install_needed(WEB_DIR):
            plan.web_build.append(["npm", "ci", "--no-audit", "--no-fund"])
        if plan.web_build or web_build_needed(WEB_DIR):
            plan.web_build.append(["npm", "run", "build"])
    return plan


def run(settings: Settings, args: argparse.Namespace) -> int:
    import anyio

    output = Output(sys.stdout)
    plan = build_plan(settings, args, output, os.environ)
    if isinstance(plan, int):
        return plan
    return anyio.run(run_plan, plan, output, RestartPolicy())
