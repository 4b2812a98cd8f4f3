"""Commands in two languages, roles that survive restarts, /reset, /forget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import PRIMARY, Running, fake_services, running_bot
from tests.fakes.telegram import User
from tests.support.waiting import eventually, scalar

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
ALICE = User(id=1001, first_name="Alice", language_code="en")
IVAN = User(id=1002, first_name="Иван", language_code="ru")


async def test_commands_are_registered_in_english_and_russian(bot: Running) -> None:
    registered = {c.language_code: c.commands for c in await bot.tg.commands()}
    assert set(registered) == {"", "en", "ru"}, "the default (any other language), English and Russian"
    for commands in registered.values():
        assert [cmd["command"] for cmd in commands] == ["start", "help", "reset", "role", "forget"]
    assert registered["ru"][2]["description"] == "Начать новый диалог"
    assert registered["en"][2]["description"] == "Start a new dialog"
    assert registered[""] == registered["en"], "the default menu is the English one"


async def test_start_greets_in_the_users_language_with_the_role(bot: Running) -> None:
    await bot.tg.send_message(ALICE.id, "/start", user=ALICE)
    await bot.tg.send_message(IVAN.id, "/start", user=IVAN)
    [english] = await bot.tg.wait_for_bot_messages(ALICE.id)
    [russian] = await bot.tg.wait_for_bot_messages(IVAN.id)
    assert english.text is not None and english.text.startswith("Hello, Alice!") and "Assistant" in english.text
    assert russian.text is not None and russian.text.startswith("Здравствуйте, Иван!") and "Ассистент" in russian.text
    await bot.tg.send_message(ALICE.id, "/help", user=ALICE)
    help_message = (await bot.tg.wait_for_bot_messages(ALICE.id, 2))[1]
    assert "/reset" in (help_message.text or "")
    assert await bot.llm.calls() == [], "commands never reach the model"


async def test_reset_starts_a_new_dialog_that_survives_a_restart(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with fake_services() as services:
        async with running_bot(database_url, tmp_path, services=services) as bot:
            await bot.tg.send_message(ALICE.id, "first question", user=ALICE)
            await bot.answered(1)
            await bot.tg.send_message(ALICE.id, "/reset", user=ALICE)
            [_, reset] = await bot.tg.wait_for_bot_messages(ALICE.id, 2)
            assert reset.text is not None and reset.text.startswith("Started a new dialog")
            await bot.tg.send_message(ALICE.id, "second question", user=ALICE)
            await bot.answered(2)
            answer = (await bot.tg.bot_messages(ALICE.id))[-1]
            assert answer.text == "Echo: second question [messages: 2]"
        assert await scalar(clean_db, "SELECT count(*) FROM messages") == 4, "older turns stay in the database"
        async with running_bot(database_url, tmp_path, services=services) as bot:
            await bot.tg.send_message(ALICE.id, "third question", user=ALICE)
            await bot.answered(3)
            answer = (await bot.tg.bot_messages(ALICE.id))[-1]
            # After the restart the dialog holds the second question and its answer, not the first.
            assert answer.text == "Echo: third question [messages: 4]"


async def test_role_menu_marks_the_current_role_and_the_choice_survives_restarts(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    roles = ROOT / "roles.example.yaml"
    async with fake_services() as shared:
        await _choose_translator(database_url, tmp_path, shared, roles)
        await eventually(lambda: scalar(clean_db, "SELECT count(*) FROM role_changes"))
        async with running_bot(database_url, tmp_path, services=shared, roles_file=roles) as bot:
            await bot.tg.send_message(ALICE.id, "/role", user=ALICE)
            [*_, menu] = await bot.tg.wait_for_bot_messages(ALICE.id, 4)
            assert [row[0]["text"] for row in (menu.reply_markup or {})["inline_keyboard"]][1] == "✅ Translator"
            await bot.tg.send_message(ALICE.id, "Hello", user=ALICE)
            await bot.answered(2)
            assert (await bot.llm.calls(PRIMARY))[-1].messages[0]["content"].startswith("You are a translator.")


async def _choose_translator(database_url: str, tmp_path: Path, shared: Any, roles: Path) -> None:
    async with running_bot(database_url, tmp_path, services=shared, roles_file=roles) as bot:
        await bot.tg.send_message(ALICE.id, "/role", user=ALICE)
        [menu] = await bot.tg.wait_for_bot_messages(ALICE.id)
        buttons = [row[0] for row in (menu.reply_markup or {})["inline_keyboard"]]
        assert [b["text"] for b in buttons] == ["✅ Assistant", "Translator", "Programmer"]
        await bot.tg.press_button(ALICE.id, menu.message_id, "role:translator", user=ALICE)
        [_, switched] = await bot.tg.wait_for_bot_messages(ALICE.id, 2)
        assert switched.text == "Role switched to Translator."
        assert (await bot.tg.wait_for_callback_answers(1))[0].text == "Role switched to Translator."
        await bot.tg.send_message(ALICE.id, "Привет", user=ALICE)
        await bot.tg.wait_for_bot_messages(ALICE.id, 3)
        call = (await bot.llm.calls(PRIMARY))[-1]
        assert call.messages[0]["content"].startswith("You are a translator.")
        assert call.temperature == 0.2
        await bot.answered(1)


async def test_buttons_pressed_by_someone_not_allowed_are_refused(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    group = -100321
    roles = ROOT / "roles.example.yaml"
    async with running_bot(database_url, tmp_path, roles_file=roles, allowed_user_ids=frozenset({ALICE.id})) as bot:
        await bot.tg.send_message(group, "/role@assistant_test_bot", user=ALICE, chat_type="group")
        [menu] = await bot.tg.wait_for_bot_messages(group, 1)
        await bot.tg.press_button(group, menu.message_id, "role:translator", user=IVAN)
        [refused] = await bot.tg.wait_for_callback_answers(1)
        assert refused.text == "Извините, это закрытый бот."
        await bot.tg.press_button(group, menu.message_id, "role:coder", user=ALICE)
        answers = await bot.tg.wait_for_callback_answers(2)
        assert answers[1].text == "Role switched to Programmer."
        await eventually(lambda: scalar(clean_db, "SELECT count(*) FROM role_changes"))
        assert await scalar(clean_db, "SELECT role FROM role_changes") == "coder", "Ivan's press changed nothing"
        switched = [m.text for m in await bot.tg.bot_messages(group) if (m.text or "").startswith("Role switched")]
        assert switched == ["Role switched to Programmer."]


async def test_forget_asks_first_then_deletes_the_users_messages(bot: Running, clean_db: AsyncEngine) -> None:
    await bot.tg.send_message(ALICE.id, "something private", user=ALICE)
    await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    await bot.tg.send_message(IVAN.id, "что-то своё", user=IVAN)
    await bot.tg.wait_for_bot_messages(IVAN.id, 1)
    await bot.tg.send_message(ALICE.id, "/forget", user=ALICE)
    [_, confirm] = await bot.tg.wait_for_bot_messages(ALICE.id, 2)
    assert confirm.text == "Delete all your stored messages? This cannot be undone."
    assert await scalar(clean_db, "SELECT count(*) FROM messages WHERE user_id = :u", u=ALICE.id) == 2
    await bot.tg.press_button(ALICE.id, confirm.message_id, "forget:yes", user=ALICE)
    [*_, done] = await bot.tg.wait_for_bot_messages(ALICE.id, 3)
    assert done.text == "Deleted 2 of your stored messages."
    assert await scalar(clean_db, "SELECT count(*) FROM messages WHERE user_id = :u", u=ALICE.id) == 0
    assert await scalar(clean_db, "SELECT count(*) FROM messages WHERE user_id = :u", u=IVAN.id) == 2
