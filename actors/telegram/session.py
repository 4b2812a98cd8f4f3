"""aiogram's HTTP session, sending Bot API requests as JSON instead of multipart form data.

The Bot API takes ``application/json`` bodies for every method except file
uploads (Bot API changelog, September 2015). aiogram always builds a
multipart body: a part per parameter, each complex value JSON-encoded on its
own, a random boundary. For the bot's small requests (a draft update several
times a second per answer, under load hundreds a second) that costs more CPU
than the HTTP exchange itself; one ``orjson.dumps`` of the parameters is a
fraction of it. A method with a file to upload still goes as multipart.
Responses are read with orjson too; everything else (errors, ``retry_after``,
timeouts) is aiogram's own handling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import orjson
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiohttp import ClientError, ClientTimeout

if TYPE_CHECKING:
    from aiogram import Bot

JSON_HEADERS = {"Content-Type": "application/json"}


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class JsonSession(AiohttpSession):
    """An :class:`AiohttpSession` (same arguments) whose requests without files are JSON bodies."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("json_loads", orjson.loads)
        kwargs.setdefault("json_dumps", _dumps)
        super().__init__(**kwargs)
        self._response_types: dict[Any, Any] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        # aiogram reads every answer as Response[<the method's result type>]. pydantic keeps such
        # generic classes only weakly, so without a reference of ours each answer built its class anew.
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)

    def build_json(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The request's JSON body, or None when it uploads a file (multipart is needed then).

        Leaves out exactly the parameters aiogram's form leaves out: unset ones and empty strings.
        """
        files: dict[str, Any] = {}
        values: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or prepared == "":
                continue
            values[key] = prepared
        if files:
            return None
        return orjson.dumps(values)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        body = self.build_json(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            seconds = self.timeout if timeout is None else timeout
            async with session.post(url, data=body, headers=JSON_HEADERS, timeout=ClientTimeout(total=seconds)) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=raw_result)
        return cast(TelegramType, response.result)
