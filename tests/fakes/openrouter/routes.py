"""The fake's controls over HTTP, under ``/_control/...``: JSON in, JSON out."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.openrouter.behaviour import Rule
from tests.fakes.openrouter.controls import FakeControls


def control_routes(fake: FakeControls) -> list[web.RouteDef]:
    """Routes that apply each control of ``fake``; a bad control answers 400 with the reason."""

    async def body(request: web.Request) -> dict[str, Any]:
        data = await request.json()
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return data

    def ok() -> web.Response:
        return web.json_response({"ok": True})

    async def rule(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            new = Rule(
                data.get("model"), data["kind"], data.get("params", {}), data.get("times"), data.get("probability")
            )
        except (KeyError, ValueError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        await fake.add_rule(new)
        return ok()

    async def script(request: web.Request) -> web.Response:
        data = await body(request)
        await fake.script(data.get("model"), str(data["text"]))
        return ok()

    async def context_limit(request: web.Request) -> web.Response:
        data = await body(request)
        await fake.context_too_long(data.get("model"), int(data["max_prompt_chars"]))
        return ok()

    async def clear(request: web.Request) -> web.Response:
        data = await body(request)
        await fake.clear(data.get("model"))
        return ok()

    async def calls(request: web.Request) -> web.Response:
        found = await fake.calls(request.query.get("model"))
        return web.json_response([call.to_json() for call in found])

    async def call_timings(request: web.Request) -> web.Response:
        found = await fake.call_timings(int(request.query.get("since", "0")))
        return web.json_response([timing.to_json() for timing in found])

    async def wait_for_calls(request: web.Request) -> web.Response:
        data = await body(request)
        try:
            found = await fake.wait_for_calls(
                data.get("model"),
                int(data["count"]),
                float(data.get("timeout", 5.0)),
                finished=bool(data.get("finished")),
            )
        except TimeoutError:
            raise web.HTTPRequestTimeout(text="the calls did not arrive in time") from None
        return web.json_response([call.to_json() for call in found])

    return [
        web.post("/_control/rule", rule),
        web.post("/_control/script", script),
        web.post("/_control/context_limit", context_limit),
        web.post("/_control/clear", clear),
        web.get("/_control/calls", calls),
        web.get("/_control/call_timings", call_timings),
        web.post("/_control/wait_for_calls", wait_for_calls),
    ]
