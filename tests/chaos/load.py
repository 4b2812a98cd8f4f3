"""Steady chat traffic for chaos tests, and the exact count of what was lost or repeated."""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from dataclasses import dataclass, field

import anyio

from tests.fakes.telegram import FakeTelegram, User
from tests.support.waiting import eventually


@dataclass
class Tally:
    asked: int
    lost: list[str]
    repeated: list[str]

    def __str__(self) -> str:
        return f"{self.asked} questions: {len(self.lost)} lost, {len(self.repeated)} answered more than once"


@dataclass
class ChatLoad:
    """``chats`` users each asking a question every ``every`` seconds (jittered) while running.

    ``run`` may be called again (the load paused meanwhile): questions go on being numbered.
    """

    tg: FakeTelegram
    chats: int
    every: float
    first_chat: int = 9000
    seed: int = 7
    questions: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    async def run(self, seconds: float) -> None:
        rng = random.Random(self.seed)

        async def user(chat: int) -> None:
            person = User(id=chat, first_name=f"U{chat}")
            with anyio.move_on_after(seconds):
                number = len(self.questions[chat])  # a later run goes on counting: every question unique
                while True:
                    question = f"chat {chat} question {number}"
                    self.questions[chat].append(question)
                    await self.tg.send_message(chat, question, user=person)
                    number += 1
                    await anyio.sleep(self.every * rng.uniform(0.5, 1.5))

        async with anyio.create_task_group() as tasks:
            for chat in range(self.first_chat, self.first_chat + self.chats):
                tasks.start_soon(user, chat)

    async def tally(self) -> Tally:
        """Answers per question: every question needs exactly one (a deferred one counts)."""
        lost, repeated, asked = [], [], 0
        for chat, questions in self.questions.items():
            texts = [m.text or "" for m in await self.tg.bot_messages(chat)]
            for question in questions:
                asked += 1
                answers = sum(f"Echo: {question} [" in text for text in texts)
                if answers == 0:
                    lost.append(question)
                elif answers > 1:
                    repeated.append(question)
        return Tally(asked, lost, repeated)

    async def wait_until_answered(self, timeout: float) -> Tally:
        """Wait until no question is left unanswered (or the timeout), then count."""

        async def complete() -> bool:
            return not (await self.tally()).lost

        with contextlib.suppress(TimeoutError):  # the tally below says exactly what is missing
            await eventually(complete, timeout, "every question answered")
        return await self.tally()
