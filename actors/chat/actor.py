"""The chat actor: owns one dialog (a private chat or a group).

It keeps the recent turns in memory (loaded from PostgreSQL when it starts),
builds the prompt for the chat's role, streams the model's answer into
Telegram, delivers the final text, and hands every message to the persistence
actor. One message at a time, in order: LLM calls for a chat never overlap.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio

from actors import texts
from actors.chat import commands
from actors.chat.deferral import DeferredQuestions, both_down_text
from actors.chat.deps import ChatDeps
from actors.chat.messages import ButtonPressed, ChatMessage, Command, Incoming, RetryDeferred
from actors.llm.router import (
    AnswerRequest,
    AnswerStream,
    ModelsUnavailable,
    RequestRefused,
    Restart,
    Stalled,
    TextDelta,
)
from actors.llm.schema import ChatMessage as LLMMessage
from actors.persistence.actor import Durable
from actors.persistence.records import ChatSeen, InboxDone, MessageRecord, Record, UserSeen
from actors.persistence.store import StoreUnavailable
from actors.prompt import Turn, build_prompt
from actors.telegram.courier import Undeliverable
from actors.telegram.formatting import FormattedText, split_message
from actors.telegram.streaming import DraftDisplay, EditDisplay, LiveText
from runtime import Actor

log = logging.getLogger("assistant.chat")

HISTORY_LIMIT = 100


@dataclass(frozen=True, slots=True)
class HistoryTurn:
    speaker: str
    text: str
    author: str | None
    key: str
    reply_to_key: str | None = None


class ChatActor(Actor[ChatMessage, None]):
    def __init__(self, chat_id: int, deps: ChatDeps) -> None:
        self.chat_id = chat_id
        self.deps = deps
        self.history: deque[HistoryTurn] = deque(maxlen=HISTORY_LIMIT)
        self.role_name: str | None = None
        self.drafts_refused = False
        self.deferred = DeferredQuestions(deps.defer_window)

    async def on_start(self) -> None:
        store = self.deps.store
        if store is None:
            return
        try:
            state, turns = await store.chat_start(self.chat_id, limit=HISTORY_LIMIT)
        except StoreUnavailable as exc:
            log.warning("chat %s starts without its history: database unavailable (%s)", self.chat_id, exc)
            return
        self.role_name = state.role
        for turn in turns:
            speaker = "user" if turn.direction == "in" else "assistant"
            self.history.append(HistoryTurn(speaker, turn.text, turn.author, turn.dedup_key, turn.reply_to_key))

    async def receive(self, message: ChatMessage) -> None:
        if isinstance(message, Incoming):
            await self._on_incoming(message)
        elif isinstance(message, Command):
            await commands.on_command(self, message)
        elif isinstance(message, ButtonPressed):
            await commands.on_button(self, message)
        elif isinstance(message, RetryDeferred):
            await self._retry_deferred(message)

    # -- a user's message ----------------------------------------------------------

    async def _on_incoming(self, incoming: Incoming) -> None:
        key = f"in:{incoming.update_id}"
        if any(turn.reply_to_key == key for turn in self.history):
            # Answered before a crash, but the done mark was lost: do not answer twice.
            await self.done(incoming.update_id)
            return
        if self.deferred:
            await self._answer_deferred()  # older questions first, if a model is back
        if not any(turn.key == key for turn in self.history):
            await self._record_question(incoming, key)
        await self._answer(incoming)

    async def _record_question(self, incoming: Incoming, key: str) -> None:
        author = incoming.user.display_name if incoming.where.is_group else None
        self.history.append(HistoryTurn("user", incoming.text, author, key))
        user, where = incoming.user, incoming.where
        await self.persist(
            UserSeen(user.id, user.username, user.first_name, user.last_name, user.language_code, at=incoming.at),
            ChatSeen(where.chat_id, where.chat_type, where.title, at=incoming.at),
            MessageRecord(
                dedup_key=key,
                chat_id=where.chat_id,
                user_id=user.id,
                direction="in",
                text=incoming.text,
                author=author,
                update_id=incoming.update_id,
                telegram_message_id=incoming.message_id,
                at=incoming.at,
            ),
        )

    async def _answer(self, incoming: Incoming, *, deferred: bool = False) -> bool:
        """Ask the models, stream the answer, deliver it, record it; or say why not.

        False when no model could be asked (the question is kept for later).
        """
        language = self.deps.translate.language_of(incoming.user.language_code)
        role = self.deps.roles.get(self.role_name)
        request = AnswerRequest(
            prompt=lambda trim: self._prompt(incoming, role.prompt, trim),
            chat_id=self.chat_id,
            user_id=incoming.user.id,
            role=role.name,
            model=role.model,
            temperature=role.temperature,
        )
        display = self._display(incoming)
        by_edits = incoming.where.is_group or self.drafts_refused
        live = LiveText(display, self.deps.stream_interval(by_edits), self.deps.draft_budget)
        told = deferred  # the user of a kept question was told already

        async def stalled(wait: float) -> None:
            # No model has started to answer for a while: say so now, and still deliver the answer if it comes.
            nonlocal told
            if not told:
                told = True
                await self.say(incoming.where, self._both_down_text(wait, language), reply_to=incoming.message_id)

        try:
            stream, stopped = await self._generate(request, live, incoming, stalled)
        except ModelsUnavailable as exc:
            if deferred:
                self._retry_later(exc.retry_after)
            else:
                await self._both_down(incoming, exc.retry_after, language, told=told)
            return False
        except RequestRefused as exc:
            key = texts.MODERATED if exc.outcome.value == "moderated" else texts.BAD_REQUEST
            await self.say(incoming.where, self.deps.translate(key, language), reply_to=incoming.message_id)
            await self.done(incoming.update_id)
            return True
        if isinstance(display, DraftDisplay) and display.drafts_refused:
            self.drafts_refused = True
        answer = stream.result
        text = live.text if stopped or not answer.complete else answer.text
        if told:
            text = f"{self.deps.translate(texts.DEFERRED_ANSWER_INTRO, language)}\n\n{text}"
        await self._deliver(incoming, display, text, stream, language, stopped=stopped)
        return True

    async def _generate(
        self, request: AnswerRequest, live: LiveText, incoming: Incoming, stalled: Callable[[float], Awaitable[None]]
    ) -> tuple[AnswerStream, bool]:
        """Stream the answer into ``live``; True in the result if the user pressed stop."""
        draft_id = incoming.update_id % 2_000_000_000 or 1
        refused: ModelsUnavailable | RequestRefused | None = None
        async with self.deps.router.answer(request) as stream, anyio.create_task_group() as painter:
            painter.start_soon(live.paint)
            with self.deps.generations.running(self.chat_id, draft_id) as scope:
                try:
                    async for event in stream:
                        if isinstance(event, TextDelta):
                            live.append(event.text)
                        elif isinstance(event, Restart):
                            live.restart()
                        elif isinstance(event, Stalled):
                            await stalled(event.retry_after)
                except (ModelsUnavailable, RequestRefused) as exc:
                    # Raised again below, outside the task groups, which would wrap it.
                    refused = exc
            live.stop()
        if refused is not None:
            raise refused
        return stream, scope.cancelled_caught

    async def _deliver(
        self,
        incoming: Incoming,
        display: DraftDisplay | EditDisplay,
        text: str,
        stream: AnswerStream,
        language: str,
        *,
        stopped: bool,
    ) -> None:
        answer = stream.result
        if not text.strip():
            text = self.deps.translate(texts.STOPPED_EMPTY, language)
        formatted = display.render_final(text)
        if answer.is_fallback and self.deps.fallback_note:
            formatted = _with_note(formatted, "— " + self.deps.translate(texts.FALLBACK_NOTE, language))
        parts = split_message(formatted)
        try:
            ids = await display.finish(parts)
        except Undeliverable as exc:
            log.warning("answer to chat %s undeliverable: %s", self.chat_id, exc)
            await self.done(incoming.update_id)
            return
        latency_ms = int((time.monotonic() - incoming.received_at) * 1000)
        # One line per answer for operators: ids, model and timing; the texts only ever at DEBUG.
        log.info(
            "chat %s: update %s answered by %s in %d ms, %d part(s)%s",
            self.chat_id,
            incoming.update_id,
            answer.model or stream.current_model,
            latency_ms,
            len(parts),
            " (stopped)" if stopped else "",
        )
        key = f"out:{incoming.update_id}"
        self.history.append(HistoryTurn("assistant", text, None, key, reply_to_key=f"in:{incoming.update_id}"))
        self.deps.on_answer(latency_ms / 1000, answer.is_fallback, stopped)
        await self.persist_durably(
            MessageRecord(
                dedup_key=key,
                chat_id=self.chat_id,
                user_id=incoming.user.id,
                direction="out",
                text=text,
                telegram_message_id=ids[0] if ids else None,
                reply_to_key=f"in:{incoming.update_id}",
                role=self.deps.roles.get(self.role_name).name,
                model=answer.model or stream.current_model,
                is_fallback=answer.is_fallback,
                latency_ms=latency_ms,
                cost=answer.cost,
                at=datetime.now(UTC),
            ),
            InboxDone(incoming.update_id),
        )

    def _prompt(self, incoming: Incoming, system_prompt: str, trim: int) -> list[LLMMessage]:
        key = f"in:{incoming.update_id}"
        history = [Turn(t.speaker, t.text, t.author) for t in self.history if t.key != key]  # type: ignore[arg-type]
        author = incoming.user.display_name if incoming.where.is_group else None
        prompt = build_prompt(
            system_prompt,
            history,
            Turn("user", incoming.text, author),
            budget_tokens=self.deps.context_tokens,
            group=incoming.where.is_group,
            trim_level=trim,
        )
        return [LLMMessage(m.role, m.content) for m in prompt.messages]

    def _display(self, incoming: Incoming) -> DraftDisplay | EditDisplay:
        where = incoming.where
        reply_to = incoming.message_id if where.is_group else None
        courier, interval = self.deps.courier, self.deps.edit_interval
        if where.is_group or self.drafts_refused:
            return EditDisplay(courier, self.chat_id, reply_to=reply_to, thread_id=where.thread_id, interval=interval)
        draft_id = incoming.update_id % 2_000_000_000 or 1
        return DraftDisplay(
            courier, self.chat_id, draft_id, reply_to=reply_to, thread_id=where.thread_id, edit_interval=interval
        )

    # -- both models down -------------------------------------------------------------

    def _both_down_text(self, wait: float, language: str) -> str:
        return both_down_text(self.deps.translate, wait, self.deps.defer_window, language)

    async def _both_down(self, incoming: Incoming, wait: float, language: str, *, told: bool) -> None:
        """Tell the user plainly (unless already told); keep the question to answer it once a model is back."""
        if not told:
            await self.say(incoming.where, self._both_down_text(wait, language), reply_to=incoming.message_id)
        if self.deps.defer_window <= 0:
            await self.done(incoming.update_id)
            return
        # The inbox entry stays open: after a restart the question is still answered.
        evicted = self.deferred.keep(incoming, time.monotonic())
        if evicted is not None:
            await self._give_up(evicted)
        self._retry_later(wait)

    def _retry_later(self, wait: float) -> None:
        # A little jitter, so that many chats do not all probe the recovering model at once.
        token = self.deferred.new_timer()
        self.context.tell_later(max(wait, 1.0) + random.uniform(0, 1), RetryDeferred(token))

    async def _retry_deferred(self, message: RetryDeferred) -> None:
        if message.token == self.deferred.token:
            await self._answer_deferred()

    async def _answer_deferred(self) -> None:
        """Answer kept questions in order until none is left or the models are still down."""
        for expired in self.deferred.expired(time.monotonic()):
            await self._give_up(expired)
        while (incoming := self.deferred.first()) is not None:
            if not await self._answer(incoming, deferred=True):
                return  # still down: a retry is scheduled
            self.deferred.answered(incoming.update_id)

    async def _give_up(self, incoming: Incoming) -> None:
        language = self.deps.translate.language_of(incoming.user.language_code)
        text = self.deps.translate(texts.DEFERRED_GAVE_UP, language)
        await self.say(incoming.where, text, reply_to=incoming.message_id)
        await self.done(incoming.update_id)

    # -- helpers shared with the commands --------------------------------------------------

    async def say(self, where: object, text: str, *, reply_to: int | None = None, markup: object = None) -> int | None:
        """Send a short service text of ours (plain, not recorded as a dialog message)."""
        thread_id = getattr(where, "thread_id", None)
        try:
            return await self.deps.courier.send(
                self.chat_id,
                FormattedText(text, ()),
                reply_to=reply_to,
                markup=markup,  # type: ignore[arg-type]
                thread_id=thread_id,
            )
        except Undeliverable as exc:
            log.warning("message to chat %s undeliverable: %s", self.chat_id, exc)
            return None

    async def persist(self, *records: Record) -> None:
        """Hand records to the persistence actor (waiting only if its mailbox is full)."""
        for record in records:
            await self.deps.persistence.send(record)

    async def persist_durably(self, *records: Record) -> None:
        """Write now and wait (a reply and its done mark land together)."""
        try:
            await self.deps.persistence.ask(Durable(records), timeout=30)
        except Exception as exc:
            log.error("chat %s: could not record durably (%s)", self.chat_id, type(exc).__name__)

    async def done(self, update_id: int) -> None:
        await self.persist_durably(InboxDone(update_id))


def _with_note(formatted: FormattedText, note: str) -> FormattedText:
    from actors.telegram.formatting import Entity

    start = len(formatted.text.encode("utf-16-le")) // 2 + 2
    text = f"{formatted.text}\n\n{note}"
    italic = Entity("italic", start, len(note.encode("utf-16-le")) // 2)
    return FormattedText(text, (*formatted.entities, italic))
