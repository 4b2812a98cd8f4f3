"""Showing an answer while it is generated, then delivering it as real messages.

Private chats stream into a message draft (``sendMessageDraft``, with a stop
button); groups, where drafts do not exist, edit one message at most about
once a second. If Telegram refuses a draft, the draft display turns itself
into the edit display (for the chat's later answers too when drafts are
unavailable there). Either way the final text is sent as real
messages, split at 4096 characters.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence

import anyio
from aiogram.exceptions import TelegramAPIError

from actors.telegram.courier import Courier, DraftRefused, DraftsUnavailable, MessageGone, Undeliverable
from actors.telegram.draft_budget import DraftBudget
from actors.telegram.formatting import FormattedText, StreamingPreview

log = logging.getLogger("assistant.telegram")

SHOW_GRACE = 10.0
"""Seconds an in-flight preview update may take to finish after the answer ended."""


class EditDisplay:
    """Streams by sending one message and editing it; the final answer edits it into part one.

    Edits of the message (the final one included) are at least ``interval``
    seconds apart. If someone deletes the message meanwhile, the answer goes
    on in a new one: a lost answer is worse than a second preview.
    """

    def __init__(
        self,
        courier: Courier,
        chat_id: int,
        *,
        reply_to: int | None,
        thread_id: int | None,
        interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.courier = courier
        self.chat_id = chat_id
        self.reply_to = reply_to
        self.thread_id = thread_id
        self.interval = interval
        self.clock = clock
        self.message_id: int | None = None
        self._last_shown = -math.inf
        self._previews_off = False
        self._preview = StreamingPreview()

    async def show(self, markdown: str) -> None:
        """Show the answer so far; a preview that fails is skipped, never fatal to the answer."""
        if not markdown.strip() or self._previews_off:
            return
        text = self._preview.render(markdown)
        await self._wait_turn()
        try:
            if self.message_id is None:
                self.message_id = await self.courier.send(
                    self.chat_id, text, reply_to=self.reply_to, thread_id=self.thread_id
                )
            else:
                await self.courier.edit(self.chat_id, self.message_id, text)
        except MessageGone:
            log.info("the preview in chat %s was deleted: going on in a new message", self.chat_id)
            self.message_id = None
        except Undeliverable as exc:
            log.info("no more previews in chat %s: %s", self.chat_id, exc)
            self._previews_off = True
        except TelegramAPIError as exc:
            log.info("preview in chat %s failed: %s", self.chat_id, type(exc).__name__)
        self._last_shown = self.clock()

    def render_final(self, markdown: str) -> FormattedText:
        """The finished answer, rendered whole (the blocks its previews settled are not rendered again)."""
        return self._preview.render_final(markdown)

    async def finish(self, parts: Sequence[FormattedText]) -> list[int]:
        """Deliver the answer: the preview becomes part one, the other parts follow as messages."""
        ids: list[int] = []
        rest = list(parts)
        if self.message_id is not None and rest:
            await self._wait_turn()
            try:
                await self.courier.edit(self.chat_id, self.message_id, rest[0])
            except MessageGone:
                log.info("the preview in chat %s was deleted: the answer comes as a new message", self.chat_id)
            else:
                ids.append(self.message_id)
                rest.pop(0)
        for number, part in enumerate(rest):
            reply_to = self.reply_to if not ids and number == 0 else None
            ids.append(await self.courier.send(self.chat_id, part, reply_to=reply_to, thread_id=self.thread_id))
        return ids

    async def _wait_turn(self) -> None:
        wait = self._last_shown + self.interval - self.clock()
        if wait > 0:
            await anyio.sleep(wait)


class DraftDisplay:
    """Streams into a message draft; becomes an :class:`EditDisplay` if a draft is refused.

    ``drafts_refused`` tells the chat that drafts will never work there; a
    draft refused for another reason switches only this answer to edits.
    """

    def __init__(
        self,
        courier: Courier,
        chat_id: int,
        draft_id: int,
        *,
        reply_to: int | None,
        thread_id: int | None,
        edit_interval: float = 0.0,
    ) -> None:
        self.courier = courier
        self.chat_id = chat_id
        self.draft_id = draft_id
        self.reply_to = reply_to
        self.thread_id = thread_id
        self.edit_interval = edit_interval
        self.fallback: EditDisplay | None = None
        self.drafts_refused = False
        self._preview = StreamingPreview()

    async def show(self, markdown: str) -> None:
        if self.fallback is not None:
            await self.fallback.show(markdown)
            return
        try:
            await self.courier.draft(
                self.chat_id, self.draft_id, self._preview.render(markdown), thread_id=self.thread_id
            )
        except DraftRefused as exc:
            self.drafts_refused = isinstance(exc, DraftsUnavailable)
            scope = "" if self.drafts_refused else " for this answer"
            log.info("drafts refused in chat %s (%s): streaming by edits%s", self.chat_id, exc, scope)
            self.fallback = EditDisplay(
                self.courier,
                self.chat_id,
                reply_to=self.reply_to,
                thread_id=self.thread_id,
                interval=self.edit_interval,
            )
            await self.fallback.show(markdown)
        except (TelegramAPIError, OSError) as exc:
            # A draft is only a preview: a failed one is skipped, the next one follows.
            log.info("draft update in chat %s failed: %s", self.chat_id, type(exc).__name__)

    def render_final(self, markdown: str) -> FormattedText:
        """The finished answer, rendered whole (the blocks its drafts settled are not rendered again)."""
        if self.fallback is not None:
            return self.fallback.render_final(markdown)
        return self._preview.render_final(markdown)

    async def finish(self, parts: Sequence[FormattedText]) -> list[int]:
        if self.fallback is not None:
            return await self.fallback.finish(parts)
        return [
            await self.courier.send(
                self.chat_id, part, reply_to=self.reply_to if n == 0 else None, thread_id=self.thread_id
            )
            for n, part in enumerate(parts)
        ]


Display = DraftDisplay | EditDisplay


class LiveText:
    """The text of an answer being written, and a painter that shows it at a steady pace.

    The first change is shown at once (time to first visible text is one
    round trip); later changes at most every ``interval`` seconds, always
    ending with the newest text. Drafts also keep within the bot-wide
    ``budget``: when many answers stream at once, each one's later drafts
    come further apart. The painter runs in the caller's task group.
    """

    def __init__(
        self,
        display: Display,
        interval: float,
        budget: DraftBudget | None = None,
    ) -> None:
        self.display = display
        self.interval = interval
        self.budget = budget
        self.text = ""
        self._changed = anyio.Event()
        self._stopped = anyio.Event()
        self._shown: str | None = None

    def append(self, delta: str) -> None:
        self.text += delta
        self._changed.set()

    def restart(self) -> None:
        """Another model answers from the start: clear what was shown."""
        self.text = ""
        self._changed.set()

    def stop(self) -> None:
        """The answer ended: :meth:`paint` returns once a preview in flight is done."""
        self._stopped.set()
        self._changed.set()

    async def paint(self) -> None:
        """Show the newest text, then rest, until :meth:`stop`.

        It ends by returning, not by being cancelled: a task that ends cancelled
        keeps its whole answer alive in a reference cycle (the task, its
        exception's traceback, the frames) that only the cyclic garbage collector
        frees, and collecting those stopped the bot for tens of milliseconds at a
        time under load.
        """
        budget: DraftBudget | None = None  # set while this answer counts as streaming drafts
        try:
            while True:
                await self._changed.wait()
                if self._stopped.is_set():
                    return
                self._changed = anyio.Event()
                if self.text != self._shown:
                    shown = self.text
                    # Let a request in flight finish even when the answer ends meanwhile: cut
                    # off, the id of a just-sent preview would be lost and the final answer
                    # would arrive as a second message. Bounded, so a dead Telegram cannot hold us.
                    with anyio.move_on_after(SHOW_GRACE, shield=True):
                        await self.display.show(shown)
                    self._shown = shown
                    if budget is None and self.budget is not None and self._drafting():
                        budget = self.budget
                        budget.first()
                if budget is not None and not self._drafting():  # drafts refused: edits have their own pace
                    budget.finished()
                    budget = None
                pause = self.interval if budget is None else budget.spacing(self.interval)
                with anyio.move_on_after(pause):
                    await self._stopped.wait()
        finally:
            if budget is not None:
                budget.finished()

    def _drafting(self) -> bool:
        return isinstance(self.display, DraftDisplay) and self.display.fallback is None
