"""The courier against the fake Telegram over real HTTP, on a virtual clock.

Its waits (pacing, retry_after, back-off) go to an injected clock that jumps
ahead instead of sleeping (see conftest), so a minute of pacing takes
milliseconds and the moments it chose can be checked exactly.
"""

from __future__ import annotations

import pytest

from actors.telegram.courier import Courier, DraftRefused, DraftsUnavailable, MessageGone
from actors.telegram.formatting import FormattedText
from tests.bot.conftest import VirtualClock
from tests.bot.test_pacing import fits_bucket, most_in_any_window
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.anyio

ALICE = 1001
GROUP = -100555


def text(value: str) -> FormattedText:
    return FormattedText(value, ())


async def test_a_429_delays_the_message_by_retry_after_and_never_drops_it(
    tg: FakeTelegram, courier: Courier, clock: VirtualClock
) -> None:
    await tg.fail_next("sendMessage", 2, status=429, retry_after=7)
    message_id = await courier.send(ALICE, text("hello"))
    [message] = await tg.bot_messages(ALICE)
    assert (message.message_id, message.text) == (message_id, "hello")
    assert [call.status for call in await tg.calls("sendMessage")] == [429, 429, 200]
    assert clock.now == pytest.approx(14.0), "it waited retry_after after each 429, no more"
    assert courier.retries == 2


async def test_a_429_holds_the_chat_for_the_next_messages_too(
    tg: FakeTelegram, courier: Courier, clock: VirtualClock
) -> None:
    await tg.fail_next("sendMessage", 1, status=429, retry_after=30)
    await courier.send(ALICE, text("first"))
    assert clock.now == pytest.approx(30.0)
    before = clock.now
    await courier.send(ALICE, text("second"))
    await courier.send(ALICE + 1, text("elsewhere"))
    assert clock.now == before, "after the wait, the chat's burst is back and other chats never waited"
    assert [m.text for m in await tg.bot_messages(ALICE)] == ["first", "second"]


async def test_a_429_on_an_edit_delays_the_edit(tg: FakeTelegram, courier: Courier, clock: VirtualClock) -> None:
    message_id = await courier.send(ALICE, text("draft"))
    await tg.fail_next("editMessageText", 1, status=429, retry_after=3)
    await courier.edit(ALICE, message_id, text("final"))
    [message] = await tg.bot_messages(ALICE)
    assert message.text == "final"
    assert clock.now >= 3.0


async def test_5xx_and_a_network_outage_are_retried_with_back_off(
    tg: FakeTelegram, courier: Courier, clock: VirtualClock
) -> None:
    await tg.fail_next("sendMessage", 3, status=502)
    await courier.send(ALICE, text("eventually"))
    assert [m.text for m in await tg.bot_messages(ALICE)] == ["eventually"]
    assert clock.slept == [0.5, 1.0, 2.0]


async def test_the_courier_keeps_a_group_to_20_messages_a_minute(
    tg: FakeTelegram, courier: Courier, clock: VirtualClock
) -> None:
    sent_at = []
    for n in range(45):
        await courier.send(GROUP, text(f"message {n}"))
        sent_at.append(clock.now)
    assert len(await tg.bot_messages(GROUP)) == 45
    assert most_in_any_window(sent_at, 60.0) <= 20
    assert fits_bucket(sent_at, 1.0, 3)


async def test_the_courier_keeps_the_bot_to_30_messages_a_second(
    tg: FakeTelegram, courier: Courier, clock: VirtualClock
) -> None:
    sent_at = []
    for chat in range(1, 101):
        await courier.send(chat, text("news"))
        sent_at.append(clock.now)
    assert most_in_any_window(sent_at, 1.0) <= 30
    assert all(status == 200 for status in [c.status for c in await tg.calls("sendMessage")])


async def test_an_edit_of_a_deleted_message_says_the_message_is_gone(tg: FakeTelegram, courier: Courier) -> None:
    message_id = await courier.send(GROUP, text("preview"))
    await tg.delete_message(GROUP, message_id)
    with pytest.raises(MessageGone, match="message to edit not found"):
        await courier.edit(GROUP, message_id, text("final"))


async def test_drafts_refused_in_a_chat_differ_from_one_refused_draft(tg: FakeTelegram, courier: Courier) -> None:
    await tg.fail_next("sendMessageDraft", 1, status=400, description="Bad Request: text is too long")
    with pytest.raises(DraftRefused) as one:
        await courier.draft(ALICE, 1, text("..."))
    assert not isinstance(one.value, DraftsUnavailable)
    await courier.draft(ALICE, 1, text("fine again"))
    await tg.refuse_drafts(ALICE)
    with pytest.raises(DraftsUnavailable):
        await courier.draft(ALICE, 1, text("..."))
