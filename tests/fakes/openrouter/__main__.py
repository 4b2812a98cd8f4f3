"""Run the fake OpenRouter as its own process, for tests that kill or restart it.

    python -m tests.fakes.openrouter --port 0 --port-file PATH [--api-key KEY] [--seed N] [--keepalive-interval S]

Prints ``listening on PORT`` once ready (and writes PORT to ``--port-file``);
stops on SIGTERM or SIGINT. Steer it with :class:`RemoteFakeOpenRouter`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

import uvloop

from tests.fakes.openrouter.server import FakeOpenRouter
from tests.fakes.quiet_gc import freeze_periodically


async def serve(args: argparse.Namespace) -> None:
    fake = FakeOpenRouter(
        args.api_key, host=args.host, port=args.port, seed=args.seed, keepalive_interval=args.keepalive_interval
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with fake:
        if args.port_file:
            # Written then renamed, so a reader never sees a half-written port.
            path = Path(args.port_file)
            partial = path.with_name(path.name + ".partial")
            partial.write_text(str(fake.port))
            os.replace(partial, path)
        print(f"listening on {fake.port}", flush=True)
        freezer = asyncio.create_task(freeze_periodically())
        await stop.wait()
        freezer.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.openrouter", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--port-file", help="write the chosen port here once listening")
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--seed", type=int, default=0, help="seed of the RNG behind probabilities")
    parser.add_argument(
        "--keepalive-interval", type=float, default=0.05, help="seconds between keep-alive comments in long pauses"
    )
    # uvloop, as the bot runs: a fake standing in for a remote server should take little of the bot's CPU.
    uvloop.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
