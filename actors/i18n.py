"""Translations of the bot's own texts, through aiogram's gettext-based I18n.

The user's Telegram ``language_code`` picks the language; English is the
fallback for every language without a catalog. ``python -m actors.i18n compile``
rebuilds the ``.mo`` files from the ``.po`` sources (needs the dev dependency Babel).
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiogram.utils.i18n import I18n

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"


class Translator:
    """Translates message ids from :mod:`actors.texts` into a user's language."""

    def __init__(self, path: Path = LOCALES) -> None:
        self._i18n = I18n(path=path, default_locale=DEFAULT_LANGUAGE, domain="messages")

    @property
    def languages(self) -> list[str]:
        """Languages with a catalog, English included."""
        return sorted({DEFAULT_LANGUAGE, *self._i18n.available_locales})

    def language_of(self, language_code: str | None) -> str:
        """Map Telegram's ``language_code`` (``ru``, ``pt-br``...) to a language we speak."""
        if language_code:
            base = language_code.split("-")[0].lower()
            if base in self._i18n.locales:
                return base
        return DEFAULT_LANGUAGE

    def __call__(self, message: str, language: str, **values: object) -> str:
        """``message`` translated into ``language``, with ``{placeholders}`` filled in."""
        text = self._i18n.gettext(message, locale=language) if language != DEFAULT_LANGUAGE else message
        return text.format(**values) if values else text

    def duration(self, seconds: float, language: str) -> str:
        """A short human duration: "45 s", "3 min"."""
        from actors import texts

        if seconds < 90:
            return self(texts.SECONDS, language, n=max(1, round(seconds)))
        return self(texts.MINUTES, language, n=round(seconds / 60))


def compile_catalogs(path: Path = LOCALES) -> list[Path]:
    """Compile every ``messages.po`` under ``path`` into ``messages.mo``; return the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(path.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as source:
            catalog = read_po(source)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    if sys.argv[1:] == ["compile"]:
        for mo in compile_catalogs():
            print(f"wrote {mo}")
    else:
        print("usage: python -m actors.i18n compile")
