"""The Bot API methods the fake implements, by lower-cased method name (Telegram ignores case)."""

from __future__ import annotations

from tests.fakes.telegram.bot_api import messages, misc, updates
from tests.fakes.telegram.bot_api.common import BotContext, Handler

HANDLERS: dict[str, Handler] = {
    "getme": misc.get_me,
    "getupdates": updates.get_updates,
    "setwebhook": updates.set_webhook,
    "deletewebhook": updates.delete_webhook,
    "getwebhookinfo": updates.get_webhook_info,
    "sendmessage": messages.send_message,
    "editmessagetext": messages.edit_message_text,
    "editmessagereplymarkup": messages.edit_message_reply_markup,
    "deletemessage": messages.delete_message,
    "sendmessagedraft": messages.send_message_draft,
    "answercallbackquery": misc.answer_callback_query,
    "sendchataction": misc.send_chat_action,
    "setmycommands": misc.set_my_commands,
    "getmycommands": misc.get_my_commands,
    "deletemycommands": misc.delete_my_commands,
    "setchatmenubutton": misc.set_chat_menu_button,
    "getchatmenubutton": misc.get_chat_menu_button,
    "getchat": misc.get_chat,
    "setmyname": misc.accept,
    "setmydescription": misc.accept,
    "setmyshortdescription": misc.accept,
}

__all__ = ["HANDLERS", "BotContext", "Handler"]
