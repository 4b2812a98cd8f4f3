"""Run the fake Telegram as its own process, for tests that kill and restart the bot.

    python -m tests.fakes.telegram --port 0 --port-file PATH [--control-port-file PATH]

Once listening it writes the Bot API port to --port-file (and the control port, which
stays up while the Bot API is "down", to --control-port-file), then prints one JSON
line {"url", "control_url", "token"} on stdout. SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path

import uvloop

from tests.fakes.quiet_gc import freeze_periodically
from tests.fakes.telegram.fake import FakeTelegram
from tests.fakes.telegram.models import DEFAULT_TOKEN


def _write_atomically(path: Path, text: str) -> None:
    """Readers never see a half-written file: write aside, then rename."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text)
    temporary.replace(path)


async def serve(arguments: argparse.Namespace) -> None:
    fake = FakeTelegram(
        token=arguments.token, host=arguments.host, port=arguments.port, control_port=arguments.control_port
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    async with fake:
        if arguments.control_port_file is not None:
            _write_atomically(arguments.control_port_file, f"{fake.control_url.rsplit(':', 1)[1]}\n")
        if arguments.port_file is not None:
            _write_atomically(arguments.port_file, f"{fake.url.rsplit(':', 1)[1]}\n")
        print(json.dumps({"url": fake.url, "control_url": fake.control_url, "token": fake.token}), flush=True)
        freezer = asyncio.create_task(freeze_periodically())
        await stop.wait()
        freezer.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.telegram", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="Bot API port (0: any free port)")
    parser.add_argument("--port-file", type=Path, help="where to write the Bot API port once listening")
    parser.add_argument("--control-port", type=int, default=0, help="control API port (0: any free port)")
    parser.add_argument("--control-port-file", type=Path, help="where to write the control port once listening")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token the control API acts on")
    # uvloop, as the bot runs: a fake standing in for a remote server should take little of the bot's CPU.
    uvloop.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
