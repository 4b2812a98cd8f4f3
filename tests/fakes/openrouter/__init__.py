"""A fake OpenRouter over real HTTP on 127.0.0.1: in-process, or as its own process.

    async with FakeOpenRouter(api_key="test-key") as fake:
        await fake.fail("openai/gpt-4o-mini", 503, times=2)
        ...  # point the client at fake.base_url
        calls = await fake.calls("openai/gpt-4o-mini")

See :class:`FakeControls` for every behaviour (fail, hang, malformed,
break_stream, error_chunk, empty, first_token_delay, tokens_per_second,
script, context_too_long) and the call records.
"""

from tests.fakes.openrouter.behaviour import CallTiming, RecordedCall, Rule, default_answer
from tests.fakes.openrouter.controls import FakeControls
from tests.fakes.openrouter.errors import http_date
from tests.fakes.openrouter.remote import RemoteFakeOpenRouter
from tests.fakes.openrouter.server import FakeOpenRouter
from tests.fakes.openrouter.sockets import closed_port, unresponsive_listener

__all__ = [
    "CallTiming",
    "FakeControls",
    "FakeOpenRouter",
    "RecordedCall",
    "RemoteFakeOpenRouter",
    "Rule",
    "closed_port",
    "default_answer",
    "http_date",
    "unresponsive_listener",
]
