"""Every text the bot writes exists in every language, and the compiled catalogs are current."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from babel.messages.pofile import read_po

from actors import texts
from actors.i18n import LOCALES, Translator, compile_catalogs


def test_every_text_is_translated_into_every_language_with_the_same_placeholders() -> None:
    for po_path in LOCALES.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as source:
            catalog = read_po(source)
        for message in texts.ALL:
            entry = catalog.get(message)
            assert entry is not None and entry.string, f"{po_path.parts[-3]}: untranslated {message!r}"
            assert isinstance(entry.string, str), f"{po_path.parts[-3]}: {message!r} has plural forms"
            assert set(re.findall(r"{\w+}", entry.string)) == set(re.findall(r"{\w+}", message))


def test_compiled_catalogs_match_their_sources(tmp_path: Path) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy)
    for mo in compile_catalogs(copy):
        committed = LOCALES / mo.relative_to(copy)
        assert mo.read_bytes() == committed.read_bytes(), f"run `uv run python -m actors.i18n compile` ({committed})"


def test_the_language_follows_the_user_and_falls_back_to_english() -> None:
    translate = Translator()
    assert translate.language_of("ru") == "ru"
    assert translate.language_of("ru-RU") == "ru"
    assert translate.language_of("de") == "en"
    assert translate.language_of(None) == "en"
    assert translate(texts.BUSY, "ru") == "Минутку, я ещё отвечаю на ваши предыдущие сообщения."
    assert translate(texts.BUSY, "en") == texts.BUSY
    assert "16000" in translate(texts.TOO_LONG, "ru", length=20000, limit=16000)
    assert translate.duration(30, "en") == "30 s"
    assert translate.duration(600, "ru") == "10 мин"
