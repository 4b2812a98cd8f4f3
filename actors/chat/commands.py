"""The commands a chat understands and its inline buttons, as functions of the chat actor."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from actors import texts
from actors.chat.messages import ButtonPressed, Command
from actors.persistence.actor import ForgetUser
from actors.persistence.records import ContextReset, RoleChanged

if TYPE_CHECKING:
    from actors.chat.actor import ChatActor


async def on_command(chat: ChatActor, command: Command) -> None:
    translate = chat.deps.translate
    language = translate.language_of(command.user.language_code)
    role = chat.deps.roles.get(chat.role_name)
    reply_to = command.message_id if command.where.is_group else None
    if command.name == "start":
        text = translate(texts.GREETING, language, name=command.user.first_name, role=role.title(language))
        await chat.say(command.where, text, reply_to=reply_to)
    elif command.name == "help":
        await chat.say(command.where, translate(texts.HELP, language), reply_to=reply_to)
    elif command.name == "reset":
        chat.history.clear()
        await chat.persist(ContextReset(chat.chat_id, at=command.at))
        await chat.say(command.where, translate(texts.RESET_DONE, language), reply_to=reply_to)
    elif command.name == "role":
        await _role_menu(chat, command, language, reply_to)
    elif command.name == "forget":
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text=translate(texts.FORGET_YES, language), callback_data="forget:yes"),
                    InlineKeyboardButton(text=translate(texts.FORGET_NO, language), callback_data="forget:no"),
                ]
            ]
        )
        await chat.say(command.where, translate(texts.FORGET_CONFIRM, language), reply_to=reply_to, markup=markup)
    await chat.done(command.update_id)


async def _role_menu(chat: ChatActor, command: Command, language: str, reply_to: int | None) -> None:
    translate = chat.deps.translate
    current = chat.deps.roles.get(chat.role_name)
    if len(chat.deps.roles) < 2:
        await chat.say(command.where, translate(texts.ROLE_ONLY_ONE, language, role=current.title(language)))
        return
    buttons = [
        [
            InlineKeyboardButton(
                text=("✅ " if role.name == current.name else "") + role.title(language),
                callback_data=f"role:{role.name}",
            )
        ]
        for role in chat.deps.roles
    ]
    text = translate(texts.ROLE_MENU, language, role=current.title(language))
    await chat.say(command.where, text, reply_to=reply_to, markup=InlineKeyboardMarkup(inline_keyboard=buttons))


async def on_button(chat: ChatActor, pressed: ButtonPressed) -> None:
    translate = chat.deps.translate
    language = translate.language_of(pressed.user.language_code)
    kind, _, value = pressed.data.partition(":")
    notice: str | None = None
    if kind == "role" and value in chat.deps.roles.by_name:
        chat.role_name = value
        role = chat.deps.roles.get(value)
        await chat.persist(RoleChanged(f"role:{uuid.uuid4().hex}", chat.chat_id, pressed.user.id, value, at=pressed.at))
        notice = translate(texts.ROLE_SWITCHED, language, role=role.title(language))
    elif kind == "forget" and value == "yes":
        deleted = await chat.deps.persistence.ask(ForgetUser(pressed.user.id), timeout=60)
        if deleted is None:
            notice = translate(texts.INTERNAL_ERROR, language)
        else:
            _forget_user_turns(chat, pressed.user.id)
            notice = translate(texts.FORGET_DONE, language, count=deleted)
    elif kind == "forget":
        notice = translate(texts.FORGET_CANCELLED, language)
    await chat.deps.answer_button(pressed.callback_id, notice)
    if notice is not None:
        await chat.say(pressed.where, notice)
    await chat.done(pressed.update_id)


def _forget_user_turns(chat: ChatActor, user_id: int) -> None:
    # In a private chat the whole dialog is the user's; in a group only nothing is kept
    # in memory per user, so the context simply starts afresh.
    chat.history.clear()
