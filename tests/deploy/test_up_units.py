"""The decisions of `assistant up`, as plain functions: restarts, secrets, what is missing, rebuilds, output."""

from __future__ import annotations

import argparse
import io
import os
import re
import stat
import subprocess
from pathlib import Path

from assistant import up
from tests.deploy.tools import ROOT
from tests.support.settings import settings_for_test

POLICY = up.RestartPolicy(max_restarts=3, within=60.0, first_delay=0.5, max_delay=4.0, stable_after=30.0)


# -- restarts -----------------------------------------------------------------------------------------


def test_a_first_crash_is_restarted_after_the_first_delay() -> None:
    decision = up.decide_restart(POLICY, [], now=100.0, ran_for=2.0)
    assert decision == up.RestartDecision(restart=True, delay=0.5, recent=1)


def test_crashes_in_a_row_back_off_exponentially_up_to_the_cap() -> None:
    policy = up.RestartPolicy(max_restarts=10, within=60.0, first_delay=0.5, max_delay=4.0)
    restarts: list[float] = []
    delays = []
    now = 0.0
    for _ in range(6):
        decision = up.decide_restart(policy, restarts, now, ran_for=0.1)
        delays.append(decision.delay)
        restarts.append(now)
        now += decision.delay + 0.1
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_too_many_restarts_within_the_window_give_up() -> None:
    decision = up.decide_restart(POLICY, [10.0, 20.0, 30.0], now=40.0, ran_for=1.0)
    assert not decision.restart
    assert decision.recent == 3


def test_restarts_older_than_the_window_are_forgotten() -> None:
    decision = up.decide_restart(POLICY, [10.0, 20.0, 30.0], now=85.0, ran_for=1.0)
    assert decision.restart
    assert decision.recent == 2  # the one at 30 s and this one


def test_a_run_that_lasted_resets_the_backoff() -> None:
    decision = up.decide_restart(POLICY, [100.0, 110.0], now=150.0, ran_for=POLICY.stable_after)
    assert decision.restart and decision.delay == POLICY.first_delay


def test_exits_are_described_by_code_or_signal() -> None:
    assert up.describe_exit(3) == "code 3"
    assert up.describe_exit(-9) == "signal SIGKILL"


# -- secrets ------------------------------------------------------------------------------------------


def dashboard_min_secret_length() -> int:
    """The dashboard's own minimum for its session secret (web/lib/server/config.ts; else .env.example's)."""
    path = ROOT / "web" / "lib" / "server" / "config.ts"
    if not path.exists():
        example = (ROOT / ".env.example").read_text()
        found = re.search(r"\((\d+)\+ random characters\)\.\n+DASHBOARD_SESSION_SECRET=", example)
        assert found, ".env.example no longer says how long DASHBOARD_SESSION_SECRET must be"
        return int(found.group(1))
    found = re.search(r"MIN_SECRET_LENGTH = (\d+)", path.read_text())
    assert found, "MIN_SECRET_LENGTH not found in the dashboard's config"
    return int(found.group(1))


def test_unset_secrets_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / up.SECRETS_FILE_NAME
    first = up.resolve_secrets({}, path)
    assert set(first.generated) == set(up.GENERATED_SECRETS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.values["DASHBOARD_SESSION_SECRET"]) >= dashboard_min_secret_length()
    assert len(first.values["STATS_API_TOKEN"]) >= 32
    assert len(first.values["DASHBOARD_PASSWORD"]) >= 16
    assert len(set(first.values.values())) == 3

    second = up.resolve_secrets({}, path)
    assert second.values == first.values
    assert second.generated == ()
    assert set(second.stored) == set(up.GENERATED_SECRETS)


def test_configured_secrets_win_and_are_not_written(tmp_path: Path) -> None:
    path = tmp_path / up.SECRETS_FILE_NAME
    chosen = {"STATS_API_TOKEN": "my-own-token", "DASHBOARD_PASSWORD": "my-own-password"}
    result = up.resolve_secrets({**chosen, "DASHBOARD_SESSION_SECRET": "  "}, path)
    assert result.values["STATS_API_TOKEN"] == "my-own-token"
    assert result.values["DASHBOARD_PASSWORD"] == "my-own-password"
    assert result.generated == ("DASHBOARD_SESSION_SECRET",)
    stored = up.read_env_file(path)
    assert set(stored) == {"DASHBOARD_SESSION_SECRET"}
    assert "my-own" not in path.read_text()


def test_a_wider_secrets_file_is_narrowed_to_0600(tmp_path: Path) -> None:
    path = tmp_path / up.SECRETS_FILE_NAME
    path.write_text("STATS_API_TOKEN=old\n")
    path.chmod(0o644)
    up.resolve_secrets({}, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert up.read_env_file(path)["STATS_API_TOKEN"] == "old"


# -- what is missing ------------------------------------------------------------------------------------


def test_the_message_names_each_missing_variable_on_its_own_line(tmp_path: Path) -> None:
    message = up.missing_message(["TELEGRAM_BOT_TOKEN", "OPENROUTER_API_KEY"], tmp_path / ".env")
    lines = message.splitlines()
    assert any(line.split()[0] == "TELEGRAM_BOT_TOKEN" for line in lines[1:])
    assert any(line.split()[0] == "OPENROUTER_API_KEY" for line in lines[1:])
    assert "cp " in message  # no .env yet: say where to start from
    (tmp_path / ".env").write_text("")
    assert "cp " not in up.missing_message(["OPENROUTER_API_KEY"], tmp_path / ".env")


def test_without_the_bot_no_bot_setting_is_needed(tmp_path: Path) -> None:
    empty = settings_for_test(data_dir=tmp_path / "data")
    plan = up.build_plan(empty, argparse.Namespace(no_web=True, no_bot=True), up.Output(io.StringIO()), {})
    assert isinstance(plan, up.Plan)
    assert [child.name for child in plan.children] == ["api"]
    assert (
        plan.children[0].env["STATS_API_TOKEN"]
        == up.read_env_file(tmp_path / "data" / up.SECRETS_FILE_NAME)["STATS_API_TOKEN"]
    )


# -- the dashboard's environment ------------------------------------------------------------------


def test_the_dashboard_gets_its_variables_and_none_of_the_bot_secrets() -> None:
    base = {
        "PATH": "/usr/bin",
        "TELEGRAM_BOT_TOKEN": "bot-secret",
        "OPENROUTER_API_KEY": "key",
        "NODE_ENV": "production",
    }
    values = {"STATS_API_TOKEN": "t", "DASHBOARD_PASSWORD": "p", "DASHBOARD_SESSION_SECRET": "s"}
    env = up.web_env(base, settings_for_test(api_port=9123), values)
    assert env["PATH"] == "/usr/bin"
    assert "TELEGRAM_BOT_TOKEN" not in env and "OPENROUTER_API_KEY" not in env
    assert env["STATS_API_URL"] == "http://127.0.0.1:9123", "follows API_PORT unless STATS_API_URL is set"
    assert (env["STATS_API_TOKEN"], env["DASHBOARD_PASSWORD"], env["DASHBOARD_SESSION_SECRET"]) == ("t", "p", "s")
    assert "NODE_ENV" not in env, "npm ci would skip the build tools"
    explicit = up.web_env(base, settings_for_test(api_port=9123, stats_api_url="http://stats.internal:80"), values)
    assert explicit["STATS_API_URL"] == "http://stats.internal:80"


# -- the dashboard's build ----------------------------------------------------------------------------


def touch(path: Path, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (mtime, mtime))


def make_web(root: Path, *, sources: float, built: float | None, installed: float | None, lock: float) -> Path:
    web = root / "web"
    touch(web / "app" / "page.tsx", sources)
    touch(web / "package.json", sources)
    touch(web / "package-lock.json", lock)
    if built is not None:
        touch(web / ".next" / "BUILD_ID", built)
    if installed is not None:
        touch(web / "node_modules" / ".package-lock.json", installed)
    return web


def test_the_dashboard_is_built_only_when_missing_or_older_than_its_sources(tmp_path: Path) -> None:
    assert up.web_build_needed(make_web(tmp_path / "a", sources=100, built=None, installed=100, lock=100))
    fresh = make_web(tmp_path / "b", sources=100, built=200, installed=100, lock=100)
    assert not up.web_build_needed(fresh)
    touch(fresh / ".next" / "cache" / "x", 300)  # build outputs and dependencies are not sources
    touch(fresh / "node_modules" / "next" / "index.js", 300)
    assert not up.web_build_needed(fresh)
    touch(fresh / "app" / "page.tsx", 300)
    assert up.web_build_needed(fresh)


def test_git_ignored_files_do_not_trigger_a_rebuild(tmp_path: Path) -> None:
    web = make_web(tmp_path, sources=100, built=200, installed=100, lock=100)
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    (web / ".gitignore").write_text("/screenshots/\n")
    os.utime(web / ".gitignore", (100, 100))
    touch(web / "screenshots" / "home.png", 300)
    assert not up.web_build_needed(web)
    touch(web / "app" / "new-page.tsx", 300)  # untracked but not ignored: a new source
    assert up.web_build_needed(web)


def test_dependencies_are_installed_only_when_missing_or_older_than_the_lock(tmp_path: Path) -> None:
    assert up.web_install_needed(make_web(tmp_path / "a", sources=100, built=200, installed=None, lock=100))
    assert not up.web_install_needed(make_web(tmp_path / "b", sources=100, built=200, installed=150, lock=100))
    assert up.web_install_needed(make_web(tmp_path / "c", sources=100, built=200, installed=150, lock=160))


# -- output -------------------------------------------------------------------------------------------


def test_lines_are_whole_even_when_split_across_reads() -> None:
    splitter = up.LineSplitter()
    assert splitter.feed(b"first li") == []
    assert splitter.feed(b"ne\r\nsecond\nthi") == ["first line", "second"]
    assert splitter.feed("rd é".encode()[:-1]) == []  # half of a two-byte character
    assert splitter.feed("é".encode()[-1:] + b"\n") == ["third é"]
    assert splitter.feed(b"no newline at the end") == []
    assert splitter.flush() == ["no newline at the end"]
    assert splitter.flush() == []


def test_a_runaway_line_is_shown_without_waiting_for_its_end() -> None:
    splitter = up.LineSplitter(max_line=10)
    assert splitter.feed(b"x" * 25) == ["x" * 25]
    assert splitter.feed(b"\xff\n") == ["\ufffd"]


def test_every_line_says_who_wrote_it() -> None:
    stream = io.StringIO()
    output = up.Output(stream)
    output.line("bot", "hello")
    output.say("starting")
    output.line("web", "")
    assert stream.getvalue().splitlines() == ["bot | hello", "up  | starting", "web |"]
