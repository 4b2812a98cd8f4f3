"""Waiting for a condition in tests, instead of sleeping and hoping."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def eventually(check: Callable[[], Any], timeout: float = 10.0, message: str = "") -> Any:
    """Re-run ``check`` (sync or async) until it returns something truthy, and return that.

    Fails with ``TimeoutError`` after ``timeout`` seconds, naming ``message``.
    """
    with anyio.move_on_after(timeout):
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            await anyio.sleep(0.01)
    raise TimeoutError(f"condition not met within {timeout} s: {message or check}")


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list((await connection.execute(text(sql), params)).all())


Check = Callable[[], Awaitable[bool] | bool]
