"""Roles from a YAML or TOML file, SYSTEM_PROMPT, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from actors.roles import DEFAULT_PROMPT, RolesFileError, load_roles

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_file_there_is_one_default_role() -> None:
    roles = load_roles(None, None)
    assert len(roles) == 1
    assert roles.default.prompt == DEFAULT_PROMPT
    assert load_roles(None, "Talk like a pirate.").default.prompt == "Talk like a pirate."


def test_the_example_file_loads_with_titles_in_both_languages() -> None:
    roles = load_roles(ROOT / "roles.example.yaml", None)
    assert [r.name for r in roles] == ["assistant", "translator", "coder"]
    assert roles.default.name == "assistant"
    assert roles.get("translator").title("ru") == "Переводчик"
    assert roles.get("translator").title("de") == "Translator"
    assert roles.get("translator").temperature == 0.2
    assert roles.get("no-longer-there") is roles.default
    assert roles.get(None) is roles.default


def test_system_prompt_overrides_the_default_role_only(tmp_path: Path) -> None:
    roles = load_roles(ROOT / "roles.example.yaml", "Be terse.")
    assert roles.default.prompt == "Be terse."
    assert roles.get("coder").prompt.startswith("You are a senior")


def test_toml_works_too(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(
        'default = "poet"\n[[roles]]\nname = "poet"\nprompt = "Answer in verse."\nmodel = "x/y"\n'
        '[roles.title]\nen = "Poet"\nru = "Поэт"\n'
    )
    roles = load_roles(path, None)
    assert roles.default.name == "poet"
    assert roles.default.model == "x/y"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("roles: []", "roles"),
        ("roles:\n  - name: a\n    prompt: p\n  - name: a\n    prompt: q\n", "repeated: a"),
        ("default: b\nroles:\n  - name: a\n    prompt: p\n", "default role 'b'"),
        ("roles:\n  - name: bad name\n    prompt: p\n", "roles.0.name"),
        ("roles:\n  - name: a\n    prompt: p\n    temperature: 5\n", "temperature"),
        ("roles:\n  - name: a\n    prompt: p\n    colour: red\n", "colour"),
        ("roles: [unclosed", "not valid"),
    ],
)
def test_invalid_files_say_what_is_wrong(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text(content)
    with pytest.raises(RolesFileError, match=expected):
        load_roles(path, None)


def test_a_missing_file_is_reported_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(RolesFileError, match="cannot read roles file"):
        load_roles(tmp_path / "nope.yaml", None)
