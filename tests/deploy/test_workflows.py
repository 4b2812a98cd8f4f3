"""The CI pipelines: valid GitHub Actions workflows, one per service, each run by its own paths."""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.tools import DOCKERFILES, ROOT, tool

WORKFLOWS = ROOT / ".github" / "workflows"
PIPELINES = {
    # workflow: (files whose change must run it, the Dockerfile it builds, needs PostgreSQL for its tests)
    "bot.yml": (
        ["actors/chat/actor.py", "runtime/system.py", "db/models.py", "uv.lock", "Dockerfile.bot"],
        "bot",
        True,
    ),
    "api.yml": (["api/routes.py", "db/models.py", "uv.lock", "Dockerfile.api"], "api", True),
    "web.yml": (["web/app/page.tsx", "web/package-lock.json", "web/Dockerfile"], "web", False),
}


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict), name
    # YAML 1.1 reads the key `on` as True: give it its name back.
    return {"on" if key is True else str(key): value for key, value in data.items()}


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow["on"]
    assert isinstance(on, dict), on
    return on


def runs_for(workflow: dict[str, Any], path: str) -> bool:
    """Whether a push and a pull request changing ``path`` start the workflow."""
    on = triggers(workflow)
    return all(
        any(fnmatch.fnmatch(path, pattern) for pattern in on[event].get("paths", ["**"]))
        for event in ("push", "pull_request")
    )


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda path: path.name)
def test_the_workflow_is_valid_for_github_actions(path: Path) -> None:
    result = subprocess.run(
        [tool("check-jsonschema", "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_each_service_has_a_pipeline_run_by_its_own_paths(name: str) -> None:
    workflow = load(name)
    changed, _, _ = PIPELINES[name]
    for path in changed:
        assert runs_for(workflow, path), f"{name} does not run when {path} changes"
    others = [other for other in PIPELINES if other != name]
    own = {"bot.yml": "actors/telegram/intake.py", "api.yml": "api/auth.py", "web.yml": "web/lib/format.ts"}
    for other in others:
        if name == "web.yml" and other == "api.yml":
            continue  # the dashboard checks its API types against the API: an API change runs web.yml too
        assert not runs_for(workflow, own[other]), f"{name} runs for {own[other]}, which is {other}'s"


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_each_pipeline_lints_type_checks_tests_and_builds_its_image(name: str) -> None:
    workflow = load(name)
    _, service, needs_postgres = PIPELINES[name]
    text = " ".join(str(step.get("run", "")) for step in steps(workflow))
    if service == "web":
        assert all(command in text for command in ("npm ci", "npm run lint", "npm run typecheck", "npm test"))
    else:
        assert all(command in text for command in ("uv sync --locked", "ruff check", "mypy", "pytest"))
    builds = [step["with"] for step in steps(workflow) if str(step.get("uses", "")).startswith("docker/build-push")]
    assert [ROOT / build["file"] for build in builds] == [DOCKERFILES[service]]
    assert all(build["push"] is False for build in builds)
    if needs_postgres:
        [check] = [job for job in workflow["jobs"].values() if "services" in job]
        assert str(check["services"]["postgres"]["image"]).startswith("postgres:")
        assert str(check["env"]["DATABASE_URL"]).startswith("postgresql://"), "tests must use the service container"


def test_the_deployment_files_are_checked_when_they_change() -> None:
    workflow = load("deploy.yml")
    for path in ("compose.yml", ".env.example", "Dockerfile.bot", "web/Dockerfile", "deploy/prometheus/prometheus.yml"):
        assert runs_for(workflow, path), f"deploy.yml does not run when {path} changes"
    text = " ".join(str(step.get("run", "")) for step in steps(workflow))
    assert "pytest tests/deploy" in text
    assert "docker compose" in text
