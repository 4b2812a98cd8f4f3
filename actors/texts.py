"""Every text the bot writes itself, as English gettext message ids.

Translations live in ``actors/locales/<lang>/LC_MESSAGES/messages.po`` (compiled
to ``.mo`` by ``uv run python -m actors.i18n compile``). A test checks that each
id here is translated into every language.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for translation without translating it here."""
    return message


GREETING = N_(
    "Hello, {name}! I'm an AI assistant in Telegram. My current role: {role}.\n\n"
    "Just write me a message and I'll answer, remembering our conversation. /help shows what else I can do."
)
HELP = N_(
    "I answer your messages with an AI language model and remember the conversation.\n\n"
    "/start: who I am\n"
    "/reset: start a new dialog (I forget the earlier messages)\n"
    "/role: choose my role\n"
    "/forget: delete your stored messages\n"
    "/help: this help\n\n"
    "In groups, mention me or reply to my message. Captions of photos and files count as text."
)
RESET_DONE = N_("Started a new dialog: I no longer take the earlier messages into account.")
ROLE_MENU = N_("Choose my role. Current role: {role}.")
ROLE_SWITCHED = N_("Role switched to {role}.")
ROLE_ONLY_ONE = N_("Only one role is configured: {role}.")

UNSUPPORTED_CONTENT = N_(
    "I can only read text for now. Please write your question as text (a caption on a photo or file works too)."
)
EMPTY_MESSAGE = N_("Your message is empty. Please write me a question.")
TOO_LONG = N_("Your message is too long ({length} characters). Please keep it under {limit} characters.")
BUSY = N_("One moment, I'm still answering your previous messages.")
RATE_LIMIT_MINUTE = N_("You're writing faster than I can answer. Please wait {seconds} s and try again.")
RATE_LIMIT_DAY = N_("You've reached today's limit of {limit} messages. Please come back tomorrow.")
NOT_ALLOWED = N_("Sorry, this bot is private.")

BOTH_MODELS_DOWN = N_(
    "Both of my language models are unavailable right now. Please try again in about {wait}.\n\n"
    "I've kept your question and will answer it automatically as soon as a model is back (within {window})."
)
BOTH_MODELS_DOWN_NO_DEFER = N_(
    "Both of my language models are unavailable right now. Please try again in about {wait}."
)
# The same, when no breaker says how long (the models only just stopped answering) or the wait is a few seconds.
BOTH_MODELS_DOWN_SOON = N_(
    "Both of my language models are unavailable right now. Please try again a little later.\n\n"
    "I've kept your question and will answer it automatically as soon as a model is back (within {window})."
)
BOTH_MODELS_DOWN_SOON_NO_DEFER = N_(
    "Both of my language models are unavailable right now. Please try again a little later."
)
DEFERRED_GAVE_UP = N_("The models are still unavailable, so I couldn't answer your question. Please ask again later.")
DEFERRED_ANSWER_INTRO = N_("The models are back. Here is the answer to your question:")
BAD_REQUEST = N_("Sorry, I couldn't process this request. Please try rephrasing it.")
MODERATED = N_("Sorry, I can't help with that request.")
INTERNAL_ERROR = N_("Something went wrong on my side. Please try again.")
FALLBACK_NOTE = N_("Answered by the backup model.")
STOPPED_EMPTY = N_("Stopped before I wrote anything.")

FORGET_CONFIRM = N_("Delete all your stored messages? This cannot be undone.")
FORGET_YES = N_("Delete")
FORGET_NO = N_("Cancel")
FORGET_DONE = N_("Deleted {count} of your stored messages.")
FORGET_CANCELLED = N_("Nothing was deleted.")

SECONDS = N_("{n} s")
MINUTES = N_("{n} min")

COMMAND_START = N_("Who I am and what I can do")
COMMAND_HELP = N_("How to use me")
COMMAND_RESET = N_("Start a new dialog")
COMMAND_ROLE = N_("Choose the assistant's role")
COMMAND_FORGET = N_("Delete my stored messages")

ALL = [value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)]
