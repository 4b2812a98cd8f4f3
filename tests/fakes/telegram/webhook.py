"""Delivering updates to a webhook: one at a time, in update_id order, retried until HTTP 200."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp

from tests.fakes.telegram.models import WebhookDelivery
from tests.fakes.telegram.state import BotState, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 1.0


class WebhookSender:
    """Runs while a webhook is set: takes the oldest pending update and POSTs it as JSON until it is accepted."""

    def __init__(self, state: BotState) -> None:
        self.state = state
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _next(self) -> tuple[WebhookConfig, dict[str, Any]] | None:
        state = self.state
        if state.webhook is None or state.deliveries_paused or not state.updates:
            return None
        return state.webhook, state.updates[0]

    async def _run(self) -> None:
        failures = 0
        async with aiohttp.ClientSession() as session:
            while self.state.webhook is not None:
                config, update = await self.state.changes.wait_value(self._next, timeout=None)
                self.state.mark_delivered([update])
                delivery = await self._post(session, config, update)
                self.state.webhook_deliveries.append(delivery)
                if delivery.ok:
                    failures = 0
                    self.state.confirm(int(update["update_id"]) + 1)
                    self.state.changes.notify()
                    continue
                failures += 1
                config.last_error_date = int(time.time())
                config.last_error_message = delivery.error or f"Wrong response from the webhook: {delivery.status}"
                self.state.changes.notify()
                # The fake's own pacing between retries, like Telegram's growing backoff.
                await asyncio.sleep(min(_FIRST_BACKOFF * 2 ** (failures - 1), _MAX_BACKOFF))

    async def _post(
        self, session: aiohttp.ClientSession, config: WebhookConfig, update: dict[str, Any]
    ) -> WebhookDelivery:
        headers = {} if config.secret_token is None else {SECRET_HEADER: config.secret_token}
        status: int | None = None
        error: str | None = None
        try:
            async with session.post(
                config.url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__}: {exc}"
        return WebhookDelivery(
            update_id=int(update["update_id"]),
            url=config.url,
            status=status,
            error=error,
            secret_token=config.secret_token,
            at=time.monotonic(),
        )
