"""compose.yml: valid for Compose, and every service gets what its own code requires to start.

"Required" is derived from the code: the bot's ``Settings.missing_for_bot()``, the API's
``check_startup``, and the variables the dashboard's server reads (web/lib/server/config.ts).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from api.auth import InsecureConfiguration, check_startup
from assistant.settings import Settings
from tests.deploy.tools import COMPOSE_FILE, DOCKERFILES, ROOT, compose, environment, raw_compose, resolved_compose
from tests.support.settings import settings_for_test

WEB_CONFIG = ROOT / "web" / "lib" / "server" / "config.ts"
WEB_RUNTIME_VARIABLES = {"PORT"}
"""Read by the Next.js server itself, not by our settings: the port it listens on."""
PYTHON_SERVICES = ("migrate", "bot", "api")


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, *, keep_empty: bool = False) -> Settings:
    """The Settings a container with exactly ``env`` would load (no `.env` file, nothing else).

    Empty values are dropped unless ``keep_empty``: Settings does not ignore them yet (see
    :func:`test_the_services_accept_the_example_env_as_it_is`).
    """
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in env.items():
        if value or keep_empty:
            monkeypatch.setenv(name, value)
    return settings_for_test()


def test_the_services_accept_the_example_env_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    services = resolved_compose(tmp_path)["services"]
    for name in PYTHON_SERVICES:
        settings_from(environment(services[name]), monkeypatch, keep_empty=True)


WEB_CONTRACT_READS = {
    "STATS_API_URL",
    "STATS_API_TOKEN",
    "DASHBOARD_PASSWORD",
    "DASHBOARD_SESSION_SECRET",
    "DASHBOARD_REFRESH_SECONDS",
}
WEB_CONTRACT_REQUIRED = {"DASHBOARD_PASSWORD", "DASHBOARD_SESSION_SECRET"}
"""The dashboard's variables as .env.example documents them; its code decides once it is in the checkout."""


def web_reads() -> set[str]:
    """Every variable the dashboard's server configuration reads."""
    if not WEB_CONFIG.exists():
        return WEB_CONTRACT_READS
    return set(re.findall(r"\benv\.([A-Z][A-Z0-9_]*)", WEB_CONFIG.read_text()))


def web_refuses_without() -> set[str]:
    """The variables without which the dashboard's server refuses to start ("X is not set")."""
    if not WEB_CONFIG.exists():
        return WEB_CONTRACT_REQUIRED
    return set(re.findall(r"\b([A-Z][A-Z0-9_]*) is not set", WEB_CONFIG.read_text()))


def secrets_required_by_code(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """What each service refuses to start without, that only the operator can provide."""
    empty = settings_from({}, monkeypatch)
    api_required: set[str] = set()
    try:  # in a container the API listens on 0.0.0.0, where it refuses to run without a token
        check_startup(empty.model_copy(update={"api_host": "0.0.0.0"}))
    except InsecureConfiguration:
        api_required.add("STATS_API_TOKEN")
    return {
        "bot": set(empty.missing_for_bot()),
        "api": api_required,
        # The dashboard sends the API's token, so it is required wherever the API requires it.
        "web": web_refuses_without() | api_required,
    }


def test_the_example_env_passes_compose_config_once_its_secrets_are_set(tmp_path: Path) -> None:
    config = resolved_compose(tmp_path, "monitoring")
    assert {"postgres", "migrate", "bot", "api", "web", "prometheus", "grafana"} <= set(config["services"])
    without_monitoring = resolved_compose(tmp_path)
    assert not {"prometheus", "grafana"} & set(without_monitoring["services"]), "monitoring is opt-in"


def test_a_missing_secret_stops_compose_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """`.env.example` as it is (secrets empty): compose refuses and names exactly what to set."""
    result = compose("config", "--quiet", env_file=ROOT / ".env.example")
    assert result.returncode != 0
    named = set(re.findall(r"required variable (\w+) is missing a value", result.stderr))
    required = set().union(*secrets_required_by_code(monkeypatch).values())
    assert named == required, result.stderr
    for name in required:
        assert f"set {name} in .env" in result.stderr


def test_each_service_gets_what_its_code_requires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    services = resolved_compose(tmp_path)["services"]
    envs = {name: environment(service) for name, service in services.items()}
    required = secrets_required_by_code(monkeypatch)

    bot = settings_from(envs["bot"], monkeypatch)
    assert bot.missing_for_bot() == []
    api = settings_from(envs["api"], monkeypatch)
    check_startup(api)  # raises if the API would refuse to start
    assert required["api"] <= set(envs["api"])

    # No embedded PostgreSQL in containers: every Python service is given the compose database.
    database = envs["postgres"]
    for name in PYTHON_SERVICES:
        url = settings_from(envs[name], monkeypatch).database_url
        assert url is not None, f"{name} gets no DATABASE_URL"
        parsed = make_url(url.get_secret_value())
        assert (parsed.host, parsed.port) == ("postgres", 5432), name
        assert parsed.username == database["POSTGRES_USER"], name
        assert parsed.password == database["POSTGRES_PASSWORD"], name
        assert parsed.database == database["POSTGRES_DB"], name

    # Reachable from the other containers (Prometheus, the dashboard), JSON logs for collectors.
    assert (bot.bot_http_host, api.api_host) == ("0.0.0.0", "0.0.0.0")
    assert bot.log_format.value == api.log_format.value == "json"

    web = envs["web"]
    assert web_reads() | required["web"] <= set(web), f"the dashboard lacks {web_reads() - set(web)}"
    assert web["STATS_API_URL"] == f"http://api:{api.api_port}"
    assert web["STATS_API_TOKEN"] == envs["api"]["STATS_API_TOKEN"], "the dashboard must send the API's token"
    bot_secrets = {"TELEGRAM_BOT_TOKEN", "OPENROUTER_API_KEY", "LLM_FALLBACK_API_KEY", "WEBHOOK_SECRET"}
    assert not bot_secrets & set(web), "the dashboard needs no bot secrets"
    assert not bot_secrets & set(envs["api"]), "the stats API needs no bot secrets"

    # Published ports lead to where the services listen.
    assert [port["target"] for port in services["api"]["ports"]] == [api.api_port]
    assert [port["target"] for port in services["web"]["ports"]] == [int(web["PORT"])]


def test_every_variable_compose_passes_is_a_documented_setting() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    services = raw_compose()["services"]
    for name in (*PYTHON_SERVICES, "web"):
        passed = set(services[name].get("environment") or {})
        unknown = passed - settings - (WEB_RUNTIME_VARIABLES if name == "web" else set())
        assert not unknown, f"{name} is given variables no setting reads: {unknown}"
        assert passed - WEB_RUNTIME_VARIABLES <= documented


def test_secrets_come_only_from_the_env_file() -> None:
    """No secret is written in compose.yml: each one is interpolated (from `.env`), and `.env` stays out of git."""
    secret_names = {
        name.upper()
        for name, field in Settings.model_fields.items()
        if field.annotation is not None and SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
    }
    assert {"TELEGRAM_BOT_TOKEN", "OPENROUTER_API_KEY", "STATS_API_TOKEN", "DATABASE_URL"} <= secret_names
    for service_name, service in raw_compose()["services"].items():
        for name, value in (service.get("environment") or {}).items():
            if name in secret_names or "PASSWORD" in name or "SECRET" in name:
                assert "${" in str(value), f"{service_name}.{name} is written in compose.yml"
    ignored = subprocess.run(["git", "check-ignore", "--quiet", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".env must be git-ignored"


NEEDS = {"migrate": {"postgres"}, "bot": {"postgres", "migrate"}, "api": {"postgres", "migrate"}, "web": {"api"}}
"""What each service cannot work without."""


def has_health_check(service: dict[str, Any], project: Path) -> bool:
    """A health check in compose.yml, or a HEALTHCHECK in the image's Dockerfile (in this repository)."""
    if service.get("healthcheck") and not service["healthcheck"].get("disable"):
        return True
    build = service.get("build")
    if not build:
        return False
    dockerfile = ROOT / Path(build["context"]).relative_to(project) / build.get("dockerfile", "Dockerfile")
    return any(line.startswith("HEALTHCHECK ") for line in dockerfile.read_text().splitlines())


def test_services_start_in_order_and_wait_for_health(tmp_path: Path) -> None:
    services = resolved_compose(tmp_path, "monitoring")["services"]
    for name, needs in NEEDS.items():
        depends = services[name].get("depends_on") or {}
        assert needs <= set(depends), f"{name} does not wait for {needs - set(depends)}"
        for target in needs:
            assert depends[target]["condition"] in ("service_healthy", "service_completed_successfully"), name
    for name, service in services.items():
        for target, dependency in (service.get("depends_on") or {}).items():
            if dependency["condition"] == "service_healthy":
                assert has_health_check(services[target], tmp_path), (
                    f"{name} waits for {target}, which has no health check"
                )
            if dependency["condition"] == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", f"{target} is a one-shot: it must not restart"
    for name in ("postgres", "bot", "api", "web", "prometheus", "grafana"):
        assert services[name].get("restart") == "unless-stopped", f"{name} is not restarted after a crash"
    # The bot needs its SHUTDOWN_DEADLINE to finish answers and flush; Docker's default 10 s is too tight.
    grace = services["bot"]["stop_grace_period"]
    assert re.fullmatch(r"\d+s", grace) and int(grace[:-1]) > Settings().shutdown_deadline + 5


def test_compose_builds_every_service_from_its_dockerfile(tmp_path: Path) -> None:
    services = resolved_compose(tmp_path)["services"]
    for name, dockerfile in DOCKERFILES.items():
        build = services[name]["build"]
        relative = dockerfile.relative_to(ROOT)
        assert Path(build["context"]).relative_to(tmp_path) / build["dockerfile"] == relative


def test_every_file_compose_mounts_is_in_the_repository() -> None:
    for name, service in raw_compose()["services"].items():
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (COMPOSE_FILE.parent / source).exists(), f"{name} mounts {source}, which does not exist"
