"""The fake as its own process: steered over HTTP, and killed mid-answer (the client under asyncio and trio)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from actors.llm import errors as e
from tests.fakes.openrouter import RemoteFakeOpenRouter
from tests.llm.conftest import KEY, MODEL, ask, make_client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    # The fake runs in its own process, so the client can run under trio too.
    return str(request.param)


class FakeProcess:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
def fake_process(tmp_path: Path) -> Iterator[FakeProcess]:
    port_file = tmp_path / "port"
    command = [sys.executable, "-m", "tests.fakes.openrouter", "--port", "0", "--port-file", str(port_file)]
    process = subprocess.Popen([*command, "--api-key", KEY], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until ready; empty if the process died
        assert line.startswith("listening on "), f"the fake did not start: {line!r}"
        port = int(line.split()[-1])
        assert int(port_file.read_text()) == port
        yield FakeProcess(process, port)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


async def test_the_process_is_steered_over_http(fake_process: FakeProcess) -> None:
    async with RemoteFakeOpenRouter(fake_process.url) as remote, make_client(remote.base_url) as llm:
        await remote.fail(MODEL, 503, times=1)
        with pytest.raises(e.ProviderUnavailable):
            await llm.complete(ask())
        assert (await llm.complete(ask("again"))).text == "Echo: again [messages: 2]"
        assert [call.outcome for call in await remote.calls(MODEL)] == ["fail:503", "ok"]
    fake_process.process.send_signal(signal.SIGTERM)
    assert fake_process.process.wait(timeout=10) == 0


async def test_killing_the_server_mid_answer_breaks_the_stream_and_then_refuses(fake_process: FakeProcess) -> None:
    async with RemoteFakeOpenRouter(fake_process.url) as remote, make_client(remote.base_url) as llm:
        await remote.tokens_per_second(MODEL, 20)
        received: list[str] = []
        with pytest.raises(e.StreamBroken) as caught:
            async with llm.stream(ask("hello")) as completion:
                async for delta in completion.deltas():
                    received.append(delta)
                    if len(received) == 2:
                        fake_process.process.kill()
        assert caught.value.partial_text == "".join(received)
        assert caught.value.partial_text.startswith("Echo: he")
        with anyio.fail_after(5):
            await anyio.to_thread.run_sync(fake_process.process.wait)
        with pytest.raises(e.ConnectionFailed):
            await llm.complete(ask())
