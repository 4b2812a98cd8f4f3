"""The `assistant` command: one entry point for every service."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

DESCRIPTION = """\
assistant: an LLM assistant in Telegram, with a stats API and a dashboard.

Configuration comes from the environment and `.env` (see `.env.example`).
Without DATABASE_URL an embedded PostgreSQL is started under `.data/`."""


def _migrate(args: argparse.Namespace) -> int:
    from assistant.settings import load_settings
    from db.connect import resolve_database_url
    from db.migrate import upgrade

    settings = load_settings()
    url = resolve_database_url(settings)
    upgrade(url, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "migrate": ("apply the database migrations (to the newest revision by default)", _migrate),
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _, run = COMMANDS[args.command]
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
