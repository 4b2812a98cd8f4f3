"""Roles: named system prompts that chats switch between with /role.

An operator describes roles in a YAML or TOML file (``ROLES_FILE``); the default
role's prompt can also come from ``SYSTEM_PROMPT``. Loading validates the file
and says exactly what is wrong, so a typo never reaches a user.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_PROMPT = (
    "You are a helpful, friendly assistant in a Telegram chat. Answer clearly and concisely, "
    "in the language the user writes in. Use Markdown for code and lists when it helps."
)


class RolesFileError(ValueError):
    """The roles file is missing, unreadable or invalid; the message says where and why."""


class _RoleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    title: dict[str, str] = Field(default_factory=dict)
    prompt: str = Field(min_length=1)
    model: str | None = None
    temperature: float | None = Field(None, ge=0, le=2)


class _RolesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: str | None = None
    roles: list[_RoleSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> _RolesSpec:
        names = [role.name for role in self.roles]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"role names must be unique; repeated: {', '.join(duplicates)}")
        if self.default is not None and self.default not in names:
            raise ValueError(f"default role {self.default!r} is not among the roles ({', '.join(names)})")
        return self


@dataclass(frozen=True, slots=True)
class Role:
    """One role: its system prompt, optional model and temperature, and titles per language."""

    name: str
    prompt: str
    titles: dict[str, str]
    model: str | None = None
    temperature: float | None = None

    def title(self, language: str) -> str:
        """The title in ``language`` (``ru``, ``en``...), falling back to English, then the name."""
        return self.titles.get(language) or self.titles.get("en") or self.name


@dataclass(frozen=True, slots=True)
class Roles:
    """All configured roles and the default one."""

    by_name: dict[str, Role]
    default: Role

    def get(self, name: str | None) -> Role:
        """The role called ``name``; the default for None or a role that no longer exists."""
        if name is None:
            return self.default
        return self.by_name.get(name, self.default)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)


def load_roles(path: Path | None, system_prompt: str | None) -> Roles:
    """Read the roles file (if any) and apply ``SYSTEM_PROMPT`` to the default role."""
    if path is None:
        prompt = system_prompt.strip() if system_prompt and system_prompt.strip() else DEFAULT_PROMPT
        role = Role(name="assistant", prompt=prompt, titles={"en": "Assistant", "ru": "Ассистент"})
        return Roles(by_name={role.name: role}, default=role)
    spec = _read(path)
    roles = {
        r.name: Role(name=r.name, prompt=r.prompt.strip(), titles=r.title, model=r.model, temperature=r.temperature)
        for r in spec.roles
    }
    default_name = spec.default or spec.roles[0].name
    default = roles[default_name]
    if system_prompt and system_prompt.strip():
        default = Role(
            name=default.name,
            prompt=system_prompt.strip(),
            titles=default.titles,
            model=default.model,
            temperature=default.temperature,
        )
        roles[default.name] = default
    return Roles(by_name=roles, default=default)


def _read(path: Path) -> _RolesSpec:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RolesFileError(f"cannot read roles file {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw) if path.suffix == ".toml" else yaml.safe_load(raw)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise RolesFileError(f"roles file {path} is not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}") from exc
    try:
        return _RolesSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'file'}: {error['msg']}" for error in exc.errors()
        )
        raise RolesFileError(f"roles file {path} is invalid: {problems}") from exc
