"""The HTTP side of the fake: an aiohttp server answering ``/bot{token}/{method}`` like Telegram.

It can go down (stop listening, cut every connection) and come back on the same port,
and can delay every answer. Subclasses mount a control API (see ``add_control_routes``).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from aiohttp import web

from tests.fakes.telegram.bot_api import HANDLERS, BotContext
from tests.fakes.telegram.errors import BotApiError, bad_request
from tests.fakes.telegram.faults import PlannedFailure
from tests.fakes.telegram.models import BOT_FIRST_NAME, BOT_ID, BOT_USERNAME, DEFAULT_TOKEN, User
from tests.fakes.telegram.params import Params
from tests.fakes.telegram.state import BotState, Changes
from tests.fakes.telegram.webhook import WebhookSender

_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]{1,}")
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


async def read_params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string and a JSON, urlencoded or multipart body (later wins)."""
    values: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return values
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        values.update(body)
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.post()
        for key, value in form.items():
            values[key] = value if isinstance(value, str) else f"attach://{getattr(value, 'filename', key)}"
    return values


def _failure_response(failure: PlannedFailure) -> web.Response:
    if failure.raw_body is not None:
        return web.Response(status=failure.status, text=failure.raw_body, content_type="text/html")
    error = BotApiError(failure.status, failure.description, retry_after=failure.retry_after)
    return web.json_response(error.body(), status=failure.status)


class FakeTelegramServer:
    """Serves the Bot API on 127.0.0.1; one :class:`BotState` per bot token."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        control_port: int | None = None,
    ) -> None:
        """``control_port`` (0 = any free port) also serves /_control/ on a port that stays up during go_down()."""
        if not _TOKEN.fullmatch(token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.host = host
        self._wanted_port = port
        self._wanted_control_port = control_port
        self.changes = Changes()
        self._bots: dict[str, BotContext] = {}
        self.state = self.context(token).state
        """The default bot's state, for in-process tests that want to look directly."""
        self.latency = 0.0
        self.down = False
        self._port: int | None = None
        self._control_port: int | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._control_runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Base URL for ``TelegramAPIServer.from_base``."""
        if self._port is None:
            raise RuntimeError("the fake Telegram server is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def control_url(self) -> str:
        """Where /_control/ answers: the separate control port if any, else the API port."""
        port = self._control_port if self._control_port is not None else self._port
        if port is None:
            raise RuntimeError("the fake Telegram server is not started")
        return f"http://{self.host}:{port}"

    def context(self, token: str) -> BotContext:
        """The state of the bot with ``token``, created on first use."""
        if token not in self._bots:
            bot_id = int(token.split(":", 1)[0])
            username = BOT_USERNAME if bot_id == BOT_ID else f"bot{bot_id}_test_bot"
            user = User(id=bot_id, first_name=BOT_FIRST_NAME, username=username, language_code=None, is_bot=True)
            state = BotState(user, self.changes)
            self._bots[token] = BotContext(state, WebhookSender(state))
        return self._bots[token]

    def add_control_routes(self, app: web.Application) -> None:
        """Mount the /_control/ API; the server alone has none."""

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self.add_control_routes(app)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app(), handler_cancellation=True, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self._wanted_port, reuse_address=True)
        await self._site.start()
        self._port = int(self._runner.addresses[0][1])
        if self._wanted_control_port is not None:
            self._control_runner = web.AppRunner(self._control_app(), access_log=None)
            await self._control_runner.setup()
            await web.TCPSite(self._control_runner, self.host, self._wanted_control_port).start()
            self._control_port = int(self._control_runner.addresses[0][1])

    def _control_app(self) -> web.Application:
        app = web.Application()
        self.add_control_routes(app)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def stop(self) -> None:
        for bot in self._bots.values():
            await bot.webhook.stop()
        for runner in (self._runner, self._control_runner):
            if runner is not None:
                await runner.cleanup()
        self._runner = self._control_runner = self._site = None

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(_NOT_FOUND, status=404)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        match = _TOKEN.fullmatch(request.match_info["token"])
        if match is None:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        context = self.context(match.group(0))
        method = request.match_info["method"]
        try:
            params = Params(await read_params(request))
        except BotApiError as error:
            return web.json_response(error.body(), status=error.error_code)
        index = context.state.record_call(method, params.decoded())
        response = await self._answer(context, method, params)
        if self.latency > 0:
            await asyncio.sleep(self.latency)  # the call took effect; its answer is late
        body = response.text or ""
        description = json.loads(body).get("description") if body.startswith("{") else body[:200]
        context.state.finish_call(index, response.status, description)
        return response

    async def _answer(self, context: BotContext, method: str, params: Params) -> web.Response:
        failure = context.state.failures.take(method)
        if failure is not None and not failure.after_effect:
            return _failure_response(failure)
        handler = HANDLERS.get(method.lower())
        if handler is None:
            return web.json_response(_NOT_FOUND, status=404)
        try:
            result = await handler(context, params)
        except BotApiError as error:
            return web.json_response(error.body(), status=error.error_code)
        if failure is not None:
            return _failure_response(failure)
        return web.json_response({"ok": True, "result": result})

    async def go_down(self, *, spare: asyncio.BaseTransport | None = None) -> None:
        """Stop listening and cut every open connection (but ``spare``); state is kept."""
        if self.down or self._runner is None:
            return
        self.down = True
        for bot in self._bots.values():
            bot.state.deliveries_paused = True
        if self._site is not None:
            await self._site.stop()
            self._site = None
        server = self._runner.server
        for connection in [] if server is None else server.connections:
            transport = connection.transport
            if transport is not None and transport is not spare:
                transport.abort()
        self.changes.notify()

    async def come_up(self) -> None:
        """Listen again on the same port."""
        if not self.down or self._runner is None:
            return
        self._site = web.TCPSite(self._runner, self.host, self._port, reuse_address=True)
        await self._site.start()
        self.down = False
        for bot in self._bots.values():
            bot.state.deliveries_paused = False
        self.changes.notify()
