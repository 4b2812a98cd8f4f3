"""The validator catches each way entities break Telegram's rules, so the other tests can trust it."""

from __future__ import annotations

import pytest

from actors.telegram.formatting import Entity, FormattedText, is_linkable_url, validate_entities


def problems(text: str, *entities: Entity) -> list[str]:
    return validate_entities(FormattedText(text, entities))


def test_well_formed_nesting_is_valid() -> None:
    assert (
        problems(
            "quote with link and code",
            Entity("blockquote", 0, 24),
            Entity("text_link", 11, 4, url="https://a.io"),
            Entity("bold", 11, 4),
            Entity("italic", 0, 5),
            Entity("code", 20, 4),
        )
        == []
    )


def test_pre_may_start_with_the_indentation_of_its_first_line() -> None:
    assert problems("    x = 1", Entity("pre", 0, 9, language="python")) == []
    assert problems("    x = 1", Entity("blockquote", 0, 9), Entity("pre", 0, 9)) == []


@pytest.mark.parametrize(
    ("text", "entity", "complaint"),
    [
        ("abc", Entity("bold", 1, 0), "outside the text"),
        ("abc", Entity("bold", 2, 5), "outside the text"),
        ("abc", Entity("bold", -1, 2), "outside the text"),
        ("😀x", Entity("bold", 1, 2), "surrogate pair"),
        ("😀x", Entity("bold", 0, 1), "surrogate pair"),
        ("abc", Entity("underlined", 0, 3), "unknown entity type"),
        ("abc", Entity("text_link", 0, 3), "would be refused"),
        ("abc", Entity("text_link", 0, 3, url="javascript:alert(1)"), "would be refused"),
        ("abc", Entity("bold", 0, 3, url="https://a.io"), "only text_link takes a URL"),
        ("abc", Entity("code", 0, 3, language="python"), "only pre takes a language"),
        ("a bc", Entity("bold", 0, 2), "ends with whitespace"),
        ("a bc", Entity("bold", 1, 3), "begins with whitespace"),
        ("a\nbc", Entity("pre", 1, 3), "begins with whitespace"),
    ],
)
def test_single_entity_problems(text: str, entity: Entity, complaint: str) -> None:
    found = problems(text, entity)
    assert len(found) == 1
    assert complaint in found[0]


@pytest.mark.parametrize(
    ("outer", "inner", "complaint"),
    [
        (Entity("bold", 0, 6), Entity("italic", 3, 6), "partly overlaps"),
        (Entity("code", 0, 9), Entity("bold", 2, 3), "contain no entities"),
        (Entity("pre", 0, 9), Entity("text_link", 2, 3, url="https://a.io"), "contain no entities"),
        (Entity("bold", 0, 9), Entity("code", 2, 3), "inside nothing but a blockquote"),
        (Entity("text_link", 0, 9, url="https://a.io"), Entity("code", 2, 3), "inside nothing but a blockquote"),
        (Entity("blockquote", 0, 9), Entity("blockquote", 2, 3), "do not nest"),
        (Entity("text_link", 0, 9, url="https://a.io"), Entity("text_link", 2, 3, url="https://b.io"), "no links"),
        (Entity("italic", 0, 9), Entity("italic", 2, 3), "its own type"),
    ],
)
def test_nesting_problems(outer: Entity, inner: Entity, complaint: str) -> None:
    found = problems("abcdefghijkl", outer, inner)
    assert len(found) == 1
    assert complaint in found[0]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "https://example.com/path?q=1&x=%20#frag",
        "http://user:pw@host.example:8080/",
        "HTTPS://EXAMPLE.COM",
        "https://пример.рф/страница",
        "https://[2001:db8::1]/",
        "tg://resolve?domain=telegram",
        "tg://user?id=123",
    ],
)
def test_urls_telegram_accepts(url: str) -> None:
    assert is_linkable_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "mailto:me@example.com",
        "javascript:alert(1)",
        "/relative/path",
        "example.com",
        "https://",
        "https://host:99999/",
        "https://host:0/",
        "https://host:http/",
        "ftp://files.example.com",
        "https://exa mple.com",
        "https://a<b>.com",
        "https://./",
        "https://[not-ipv6]/",
    ],
)
def test_urls_telegram_refuses(url: str) -> None:
    assert not is_linkable_url(url)
