"""The `assistant` command: one entry point for every service."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.settings import Settings

DESCRIPTION = """\
assistant: an LLM assistant in Telegram, with a stats API and a dashboard.

Configuration comes from the environment and `.env` (see `.env.example`).
Without DATABASE_URL an embedded PostgreSQL is started under `.data/`."""


class ConfigurationError(SystemExit):
    """The configuration is incomplete or invalid; the message says what to set."""


def _settings() -> Settings:
    from pydantic import ValidationError

    from assistant.settings import load_settings

    try:
        return load_settings()
    except ValidationError as exc:
        problems = "\n".join(
            f"  {'.'.join(str(p) for p in error['loc']).upper()}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration (check .env and the environment):\n{problems}") from None


def _bot(args: argparse.Namespace) -> int:
    settings = _settings()
    missing = settings.missing_for_bot()
    if missing:
        raise ConfigurationError(
            "the bot cannot start: set " + ", ".join(missing) + " in .env or the environment (see .env.example)"
        )
    import anyio

    from actors.app import run_bot
    from actors.roles import RolesFileError, load_roles
    from assistant.gc_tuning import tune_gc
    from assistant.logs import setup_logging
    from db.connect import resolve_database_url
    from db.migrate import database_reachable, upgrade

    setup_logging(settings, service="bot")
    try:
        load_roles(settings.roles_file, settings.system_prompt)
    except RolesFileError as exc:
        raise ConfigurationError(str(exc)) from None
    url = resolve_database_url(settings)
    if database_reachable(url):
        upgrade(url)
    else:
        # A restart during an outage must still answer: writes go to the spill file meanwhile.
        logging.getLogger("assistant.db").warning(
            "the database is unreachable; starting without it (migrations run at the next start)"
        )
    tune_gc()
    return anyio.run(run_bot, settings, url, backend_options={"use_uvloop": True})


def _migrate(args: argparse.Namespace) -> int:
    from db.connect import resolve_database_url
    from db.migrate import upgrade

    settings = _settings()
    url = resolve_database_url(settings)
    upgrade(url, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def _api(args: argparse.Namespace) -> int:
    from api.auth import InsecureConfiguration
    from api.server import serve

    try:
        return serve(_settings())
    except InsecureConfiguration as exc:
        raise ConfigurationError(f"the stats API cannot start: {exc}") from None


def _seed(args: argparse.Namespace) -> int:
    from db.seed import AlreadySeeded, SeedPlan, seed_configured_database

    plan = SeedPlan(messages=args.messages, days=args.days, users=args.users, seed=args.seed)
    try:
        report = seed_configured_database(_settings(), plan)
    except AlreadySeeded as exc:
        raise ConfigurationError(str(exc)) from None
    total = sum(report.rows.values())
    print(", ".join(f"{count:,} {table}" for table, count in report.rows.items()))
    print(f"{total:,} rows in {report.seconds:.1f} s: {report.rows_per_second:,.0f} rows/s")
    return 0


def _up(args: argparse.Namespace) -> int:
    from assistant.up import run

    return run(_settings(), args)


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "bot": ("run the Telegram bot (long polling, or a webhook with UPDATES_MODE=webhook)", _bot),
    "migrate": ("apply the database migrations (to the newest revision by default)", _migrate),
    "api": ("run the stats API (uvicorn on API_HOST:API_PORT; needs STATS_API_TOKEN)", _api),
    "seed": ("fill the database with synthetic history (for demos and benchmarks)", _seed),
    "up": ("run everything on this machine: database, bot, stats API and dashboard (Ctrl-C stops all)", _up),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, _) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == "migrate":
            command.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
        elif name == "seed":
            command.add_argument("--messages", type=int, required=True, help="message rows to write, e.g. 10000000")
            command.add_argument("--days", type=int, default=90, help="days of history, ending now (default: 90)")
            command.add_argument("--users", type=int, default=None, help="users (default: one per 500 messages)")
            command.add_argument("--seed", type=int, default=1, help="random seed: same seed, same rows (default: 1)")
        elif name == "up":
            from assistant.up import add_arguments

            add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from db.embedded import EmbeddedUnavailable

    args = build_parser().parse_args(argv)
    _, run = COMMANDS[args.command]
    try:
        return run(args)
    except EmbeddedUnavailable as exc:
        raise ConfigurationError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
