"""Optional token auth and per-client rate limits for private deployments; an OpenAPI snapshot."""

from __future__ import annotations

import json
import os

import pytest

from wiredesk.api.models import ApiClient

from .conftest import DATA
from .options import with_options

SNAPSHOT = DATA / "openapi.json"


@pytest.fixture
def private(settings, db):
    with_options(settings, api={"require_token": True})


def test_open_by_default(client, db):
    assert client.get("/api/v1/agencies").status_code == 200


def test_private_api_needs_a_valid_active_token(client, private):
    app = ApiClient.objects.create(name="Android app")
    assert client.get("/api/v1/agencies").status_code == 401
    assert client.get("/api/v1/agencies", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert (
        client.get("/api/v1/agencies", HTTP_AUTHORIZATION=f"Bearer {app.token}").status_code == 200
    )
    app.active = False
    app.save()
    assert (
        client.get("/api/v1/agencies", HTTP_AUTHORIZATION=f"Bearer {app.token}").status_code == 401
    )


def test_each_client_has_its_own_rate_limit(client, private):
    slow = ApiClient.objects.create(name="slow", requests_per_minute=3)
    fast = ApiClient.objects.create(name="fast", requests_per_minute=100)
    answers = [
        client.get("/api/v1/agencies", HTTP_AUTHORIZATION=f"Bearer {slow.token}") for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert (
        client.get("/api/v1/agencies", HTTP_AUTHORIZATION=f"Bearer {fast.token}").status_code == 200
    )


def test_anonymous_callers_can_be_limited_by_address(client, db, settings):
    with_options(settings, api={"anonymous_per_minute": 2})
    assert [client.get("/api/v1/agencies").status_code for _ in range(3)] == [200, 200, 429]


def test_openapi_matches_the_snapshot(client, db):
    """The API's contract changes only on purpose: WIREDESK_UPDATE_SNAPSHOTS=1 rewrites it."""
    spec = client.get("/api/v1/openapi.json").json()
    if os.environ.get("WIREDESK_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    assert spec == json.loads(SNAPSHOT.read_text())
