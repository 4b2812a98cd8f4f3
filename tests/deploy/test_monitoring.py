"""The monitoring profile: Prometheus scrapes where the services listen; Grafana's panels show real metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CollectorRegistry

from actors.metrics import BotMetrics
from actors.persistence.actor import PersistenceStatus
from api.metrics import ApiMetrics
from runtime import ActorSystem
from tests.deploy.tools import ROOT, environment, resolved_compose

DEPLOY = ROOT / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "assistant.json"


def exported_names(registry: CollectorRegistry) -> set[str]:
    """Every series name the registry exposes (counters with _total, histograms with their parts)."""
    names: set[str] = set()
    for family in registry.collect():
        if family.type == "counter":
            names |= {family.name + "_total", family.name + "_created"}
        elif family.type == "histogram":
            names |= {family.name + suffix for suffix in ("_bucket", "_sum", "_count", "_created")}
        else:
            names.add(family.name)
    return names


def bot_metric_names() -> set[str]:
    metrics = BotMetrics()
    metrics.watch(ActorSystem(), PersistenceStatus(), lambda: [], lambda: 0)
    return exported_names(metrics.registry)


def panel_expressions(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_prometheus_scrapes_the_bot_and_the_api_where_compose_runs_them(tmp_path: Path) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: (job.get("metrics_path", "/metrics"), target)
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    services = resolved_compose(tmp_path, "monitoring")["services"]
    bot = environment(services["bot"])
    api = environment(services["api"])
    assert targets == {
        "bot": ("/metrics", f"bot:{bot['BOT_HTTP_PORT']}"),
        "api": ("/metrics", f"api:{api['API_PORT']}"),
    }
    assert bot["BOT_HTTP_HOST"] == api["API_HOST"] == "0.0.0.0", "Prometheus scrapes from another container"


def test_every_metric_on_the_grafana_dashboard_is_exported_by_the_code() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = bot_metric_names() | exported_names(ApiMetrics().registry) | {"up"}
    used = {name for expr in panel_expressions(dashboard) for name in re.findall(r"\b(assistant_\w+|up)\b", expr)}
    assert used, "the dashboard has no queries"
    assert used <= exported, f"the dashboard queries metrics nobody exports: {sorted(used - exported)}"


def test_the_dashboard_shows_the_main_figures() -> None:
    used = " ".join(panel_expressions(json.loads(DASHBOARD.read_text())))
    for metric in (
        "assistant_updates_received_total",
        "assistant_replies_sent_total",
        "assistant_answer_latency_seconds_bucket",
        "assistant_llm_calls_total",
        "assistant_breaker_state",
        "assistant_mailbox_depth",
        "assistant_persistence_lag_seconds",
        "assistant_api_requests_total",
        "assistant_api_request_duration_seconds_bucket",
    ):
        assert metric in used, f"no panel shows {metric}"


def test_grafana_is_provisioned_with_the_dashboard_and_its_data_source() -> None:
    datasources = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    [prometheus] = datasources["datasources"]
    assert prometheus["url"] == "http://prometheus:9090"
    dashboard = json.loads(DASHBOARD.read_text())
    uids = {target["datasource"]["uid"] for panel in dashboard["panels"] for target in panel.get("targets", [])}
    assert uids == {prometheus["uid"]}
    providers = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "assistant.yml").read_text())
    [provider] = providers["providers"]
    mounted = {
        volume.split(":")[1]
        for volume in yaml.safe_load((ROOT / "compose.yml").read_text())["services"]["grafana"]["volumes"]
        if volume.startswith("./deploy/grafana/dashboards")
    }
    assert mounted == {provider["options"]["path"]}


def test_grafana_panel_ids_are_unique() -> None:
    ids = [panel["id"] for panel in json.loads(DASHBOARD.read_text())["panels"]]
    assert len(ids) == len(set(ids))
