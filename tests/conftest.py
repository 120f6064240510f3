"""Shared fixtures: demo agencies and feeds, and a helper to ingest wire samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from wiredesk.demo.replay import agency_of, bundled_deliveries
from wiredesk.demo.setup import DELIVERIES
from wiredesk.syndication import fragments

from .options import with_options

DATA = Path(__file__).parent / "data"
SEED_V1 = DELIVERIES / "0001-ians-seed-v1.xml"
SEED_V2 = DELIVERIES / "0002-ians-seed-v2.xml"

AGENCIES = {
    "ians": ("IANS", "IANS", "Asia/Kolkata"),
    "harbour": ("Harbour News Service", "HNS", "Asia/Kolkata"),
    "meridian": ("Meridian Press", "Meridian Press", "Europe/London"),
    "northline": ("Northline Wire", "Northline", "Asia/Singapore"),
}


@pytest.fixture(autouse=True)
def _site_settings(settings):
    """Run every test as the demo site: India's time zone and an app configured."""
    settings.TIME_ZONE = "Asia/Kolkata"
    with_options(
        settings,
        site={
            "name": "Wiredesk Test",
            "url": "https://news.example",
            "app": {"name": "News Example", "link": "newsexample://story/{id}"},
            # Tests run inside a transaction that never commits, so the signals that
            # invalidate the page cache never fire: tests of the cache turn it on.
            "page_cache_seconds": 0,
        },
    )
    cache.clear()
    # Feed items kept by story version: each test's database starts ids afresh.
    fragments.store.clear()


@pytest.fixture
def feeds(db, tmp_path):
    """Return a folder feed for each demo agency, keyed by agency slug."""
    from wiredesk.sources.models import Agency, Feed

    result = {}
    for slug, (name, byline, zone) in AGENCIES.items():
        agency = Agency.objects.create(slug=slug, name=name, byline=byline, time_zone=zone)
        result[slug] = Feed.objects.create(
            agency=agency,
            slug=f"{slug}-inbox",
            transport="folder",
            location=str(tmp_path / "inbox" / slug),
            poll_interval=1,
        )
    return result


@pytest.fixture
def ingest(feeds):
    """Return a function that ingests a wire sample file through its agency's feed."""
    from wiredesk.ingest.pipeline import ingest_bytes

    def _ingest(path: Path, agency: str | None = None):
        feed = feeds[agency or agency_of(path)]
        return ingest_bytes(feed, path.read_bytes(), origin=path.name)

    return _ingest


@pytest.fixture
def all_bundled(ingest):
    """Ingest every bundled demo delivery; return the reports."""
    return [ingest(path) for path in bundled_deliveries()]


# CI runs the property tests derandomized, so a red run is reproducible; a
# developer's run explores new examples each time.
if os.environ.get("CI"):
    hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    hypothesis_settings.load_profile("ci")


# Pictures: generated files, a real picture server, storages in the test's folder.
from .pictures_helpers import photo_server, picture_feed, picture_files  # noqa: E402, F401
