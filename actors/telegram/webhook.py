"""Webhook mode: Telegram posts updates to us; each is recorded before we answer 200.

Telegram retries an update until it gets 200, so answering only after the
update is in the inbox means a crash can never lose one; if it cannot be
recorded, the answer is 503 and Telegram tries again. Updates may come out of
order and more than once: the intake decides by update_id which are new. The
secret token set with ``setWebhook`` must come back in
``X-Telegram-Bot-Api-Secret-Token``; requests without it are refused (compared
in constant time).
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

import anyio
from aiogram import Bot
from aiohttp import web

from actors.telegram.intake import ALLOWED_UPDATES, Intake
from actors.telegram.reading import read_update
from assistant.settings import Settings
from runtime import ActorCrashed, ActorStopped, AskTimeout

log = logging.getLogger("assistant.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build_webhook_app(intake: Intake, bot: Bot, secret: str, path: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401, text="wrong secret token")
        try:
            update = read_update(await request.json(), bot)
        except ValueError:
            update = None
        if update is None:  # not even an update_id: not something Telegram would send
            log.warning("webhook: a request that is not a Telegram update was refused")
            return web.Response(status=400, text="not an update")
        try:
            await intake.accept_pushed(update)
        except (AskTimeout, ActorStopped, ActorCrashed) as exc:
            log.error("webhook: update %s could not be recorded (%s); Telegram will retry", update.update_id, exc)
            return web.Response(status=503, text="not recorded; try again")
        return web.Response(text="ok")

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post(path, receive)
    return app


async def serve_webhook(settings: Settings, intake: Intake, bot: Bot) -> None:
    """Register the webhook with Telegram and serve it until cancelled."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    path = urlsplit(str(settings.webhook_url)).path or "/"
    runner = web.AppRunner(build_webhook_app(intake, bot, secret, path), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await bot.set_webhook(str(settings.webhook_url), secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        log.info("webhook registered; listening on %s:%d%s", settings.webhook_host, settings.webhook_port, path)
        intake.polling = True
        await anyio.sleep_forever()
    finally:
        intake.polling = False
        with anyio.CancelScope(shield=True):
            await runner.cleanup()
