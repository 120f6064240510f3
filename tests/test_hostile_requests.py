"""Parameters no one can mean get 400 with a reason, on every engine, never a 500."""

from __future__ import annotations

import base64

import pytest

from .conftest import SEED_V1
from .options import with_options


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=%00",
        "/search?q=kim%00jong",
        "/api/v1/stories?q=%00",
        "/api/v1/stories?agency=%00",
        "/api/v1/stories?topic=wo%00rld",
        "/api/v1/stories?language=e%00n",
        "/?page=%01",
    ],
)
def test_a_control_character_in_a_parameter_is_a_400_with_a_reason(client, ingest, url):
    ingest(SEED_V1)
    response = client.get(url)
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def cursor_of(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"since": "9999-12-31T23:59:59-14:00"},
        {"since": "0001-01-01T00:00:00+14:00"},
        {"cursor": cursor_of("9999-12-31T23:59:59-14:00|5")},
        {"cursor": cursor_of("2021-10-14T09:39:03+05:30|99999999999999999999999")},
        {"cursor": cursor_of("2021-10-14T09:39:03+05:30|-3")},
        {"cursor": "x" * 5000},
    ],
)
def test_out_of_range_times_and_crafted_cursors_are_a_400(client, ingest, params):
    ingest(SEED_V1)
    response = client.get("/api/v1/stories", params)
    # 400, or 422 where the OpenAPI document already says the value is invalid
    # (a cursor over 200 characters): a client error with its reason, never a 500.
    assert response.status_code in (400, 422), response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
        "/sitemap.xml",
        "/sitemap-stories.xml",
    ],
)
def test_a_forged_host_header_never_reaches_what_readers_get(client, settings, ingest, url):
    settings.ALLOWED_HOSTS = ["*"]  # the old default: any Host got in
    with_options(settings, site={"page_cache_seconds": 300})
    ingest(SEED_V1)
    forged = client.get(url, HTTP_HOST="evil.example").content.decode()
    honest = client.get(url).content.decode()
    assert "evil.example" not in forged and "evil.example" not in honest
    assert "https://news.example/" in honest


def test_a_host_header_outside_the_site_is_refused_by_default(client, ingest):
    from django.conf import settings as live

    assert "*" not in live.ALLOWED_HOSTS or live.DEBUG
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_run_and_serve_refuse_a_wildcard_host_unless_told(settings, monkeypatch):
    from django.core.management.base import CommandError

    from wiredesk.config.hosts import refuse_any_host

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    monkeypatch.delenv("WIREDESK_ALLOW_ANY_HOST", raising=False)
    with pytest.raises(CommandError, match="lets any Host header in"):
        refuse_any_host()
    monkeypatch.setenv("WIREDESK_ALLOW_ANY_HOST", "1")
    refuse_any_host()
