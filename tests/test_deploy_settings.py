"""The production settings docs/deploy.md gives pass Django's deployment checks, and every
answer carries a Content-Security-Policy; the API docs load nothing from a CDN."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import lxml.html

DEPLOY_DOC = Path(__file__).parent.parent / "docs" / "deploy.md"


def documented_production_environment() -> dict[str, str]:
    """Return the variables of the systemd unit docs/deploy.md shows (Environment=NAME=value)."""
    found = dict(
        re.findall(r"^Environment=(WIREDESK_[A-Z_]+)=(\S+)$", DEPLOY_DOC.read_text(), re.M)
    )
    assert "WIREDESK_SITE_URL" in found, "docs/deploy.md no longer shows the production settings"
    return found


def test_django_check_deploy_reports_nothing_with_the_documented_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREDESK_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(documented_production_environment())
    env.update(
        WIREDESK_DATA_DIR=str(tmp_path / "var"),
        WIREDESK_SECRET_KEY=secrets.token_urlsafe(60),  # the unit reads it from a file
        DJANGO_SETTINGS_MODULE="wiredesk.config.settings",
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_answer_carries_a_content_security_policy(client, ingest, admin_client):
    from .conftest import SEED_V1

    ingest(SEED_V1)
    for response in (client.get("/"), client.get("/search?q=korea"), admin_client.get("/admin/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_the_api_docs_load_swagger_from_this_site_not_a_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    root = lxml.html.fromstring(page.content)
    sources = [e.get("src") for e in root.iter("script") if e.get("src")]
    sources += [e.get("href") for e in root.iter("link") if e.get("href")]
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not [
        e for e in root.iter("script") if not e.get("src") and e.get("type") != "application/json"
    ]
