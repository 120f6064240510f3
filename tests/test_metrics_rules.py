"""The alert rules and the Grafana dashboard in deploy/: valid, and about metrics /metrics exposes.

promtool comes with Debian's `prometheus` package (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from .options import with_options

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULES_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "wiredesk.json"
NAME = re.compile(r"\bwiredesk_[a-z_]+\b")
SUFFIXES = ("_total", "_bucket", "_count", "_sum")
# Read only where a broker is configured (Celery runs): absent from a scrape without one.
WITH_CELERY = {"wiredesk_celery_queue_length", "wiredesk_celery_broker_up"}


def promtool(*args: str) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    # Outside CI a machine without it skips this; in CI its absence is a failure.
    if tool is None and not os.environ.get("CI"):
        pytest.skip("promtool is not installed (Debian's prometheus package; .ci/run installs it)")
    assert tool is not None, "promtool is missing: apt-get install prometheus"
    return subprocess.run(
        [tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def family(name: str) -> str:
    """Return the metric family a sample name in a query belongs to."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def exposed(client) -> set[str]:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer rules")
    assert response.status_code == 200
    return {f.name for f in text_string_to_metric_families(response.content.decode())}


def test_promtool_accepts_the_alert_rules():
    checked = promtool("check", "rules", "deploy/prometheus/alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 5 rules found" in checked.stdout


def test_each_alert_fires_on_its_synthetic_series_and_not_on_healthy_ones():
    tested = promtool("test", "rules", "deploy/prometheus/alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    alerts = {
        rule["alert"]
        for group in yaml.safe_load(RULES.read_text())["groups"]
        for rule in group["rules"]
    }
    covered = {
        case["alertname"]
        for test in yaml.safe_load(RULES_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert (
        alerts
        == covered
        == {
            "WiredeskFeedRed",
            "WiredeskKillSlow",
            "WiredeskOutboxStale",
            "WiredeskOutboxGaveUp",
            "WiredeskQuarantineRising",
        }
    )


@pytest.fixture
def client(client, settings):
    """A test client whose scrapes carry the metrics token."""
    with_options(settings, metrics={"token": "rules"})
    return client


def test_the_alert_rules_ask_only_for_metrics_the_endpoint_exposes(client, feeds):
    rules = yaml.safe_load(RULES.read_text())["groups"]
    used = {
        family(name)
        for group in rules
        for rule in group["rules"]
        for name in NAME.findall(rule["expr"])
    }
    assert used and used <= exposed(client)


def test_the_dashboard_is_json_whose_every_query_names_an_exposed_metric(client, feeds):
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    queries += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    used = {family(name) for query in queries for name in NAME.findall(query)}
    assert used - WITH_CELERY <= exposed(client)
    # Every metric of ours is on the dashboard.
    assert {name for name in exposed(client) if name.startswith("wiredesk_")} - used == set()
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert len(titles) == len(set(titles))
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(titles)
