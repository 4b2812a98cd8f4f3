"""Controls for a fake OpenRouter running in another process (``python -m tests.fakes.openrouter``)."""

from __future__ import annotations

from typing import Any, Self

import httpx

from tests.fakes.openrouter.behaviour import Answer, CallTiming, RecordedCall, Rule
from tests.fakes.openrouter.controls import FakeControls


class RemoteFakeOpenRouter(FakeControls):
    """The same controls as :class:`FakeOpenRouter`, over HTTP. Scripts must be plain text here."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.url, timeout=httpx.Timeout(10.0, read=None))

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/v1"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _post(self, path: str, data: dict[str, Any]) -> Any:
        response = await self._http.post(f"/_control/{path}", json=data)
        if response.status_code == 408:
            raise TimeoutError(response.text)
        response.raise_for_status()
        return response.json()

    async def add_rule(self, rule: Rule) -> None:
        await self._post(
            "rule",
            {
                "model": rule.model,
                "kind": rule.kind,
                "params": rule.params,
                "times": rule.times,
                "probability": rule.probability,
            },
        )

    async def script(self, model: str | None, answer: Answer) -> None:
        if not isinstance(answer, str):
            raise TypeError("a remote fake takes scripted answers as text only")
        await self._post("script", {"model": model, "text": answer})

    async def context_too_long(self, model: str | None, max_prompt_chars: int) -> None:
        await self._post("context_limit", {"model": model, "max_prompt_chars": max_prompt_chars})

    async def clear(self, model: str | None = None) -> None:
        await self._post("clear", {"model": model})

    async def calls(self, model: str | None = None) -> list[RecordedCall]:
        params = {"model": model} if model is not None else {}
        response = await self._http.get("/_control/calls", params=params)
        response.raise_for_status()
        return [RecordedCall.from_json(item) for item in response.json()]

    async def call_timings(self, since: int = 0) -> list[CallTiming]:
        response = await self._http.get("/_control/call_timings", params={"since": since})
        response.raise_for_status()
        return [CallTiming.from_json(item) for item in response.json()]

    async def wait_for_calls(
        self, model: str | None, count: int, timeout: float = 5.0, *, finished: bool = False
    ) -> list[RecordedCall]:
        found = await self._post(
            "wait_for_calls", {"model": model, "count": count, "timeout": timeout, "finished": finished}
        )
        return [RecordedCall.from_json(item) for item in found]
