"""The page chrome's addresses: right on every reader page, and worked out once, not per page."""

from __future__ import annotations

import lxml.html
import pytest
from django.urls import resolvers

from wiredesk.sources.models import Agency
from wiredesk.stories.models import Section, Story

from .conftest import SEED_V2


@pytest.fixture
def reverses(monkeypatch):
    """Count the addresses Django works out from URL names while a test runs."""
    counted: list[str] = []
    original = resolvers.URLResolver._reverse_with_prefix

    def counting(self, lookup_view, _prefix, *args, **kwargs):
        counted.append(str(lookup_view))
        return original(self, lookup_view, _prefix, *args, **kwargs)

    monkeypatch.setattr(resolvers.URLResolver, "_reverse_with_prefix", counting)
    return counted


def _header_links(page: bytes) -> dict[str, list[tuple[str, str]]]:
    root = lxml.html.fromstring(page)
    header = root.cssselect("header.site")[0]
    return {
        "brand": [(a.get("href"), a.text_content()) for a in header.cssselect("a.brand")],
        "search": [(form.get("action"), "") for form in header.cssselect("form.search")],
        "sections": [
            (a.get("href"), a.text_content())
            for a in header.cssselect('nav[aria-label="Sections"] a')
        ],
        "agencies": [
            (a.get("href"), a.text_content())
            for a in header.cssselect('nav[aria-label="Agencies"] a')
        ],
    }


def test_the_header_is_worked_out_once_for_each_kept_list_and_stays_right(client, ingest, reverses):
    ingest(SEED_V2)
    Section.objects.create(slug="world", name="World", order=1)
    Section.objects.create(slug="india", name="India", order=0)
    story = Story.objects.get()
    path = story.get_absolute_url()
    client.get(path)  # the first page keeps the lists and their links
    reverses.clear()
    page = client.get(path)
    assert page.status_code == 200
    # The story's own address only (its versions page's is that and "versions/"),
    # whatever the navigation holds.
    assert reverses == ["story"]
    links = _header_links(page.content)
    assert links["brand"] == [("/", "Wiredesk Test")]
    assert links["search"] == [("/search", "")]
    assert links["sections"] == [("/section/india/", "India"), ("/section/world/", "World")]
    agencies = Agency.objects.order_by("name")
    assert links["agencies"] == [(f"/agency/{a.slug}/", a.name) for a in agencies]
    assert len(links["agencies"]) >= 3
    versions = lxml.html.fromstring(page.content).cssselect("p.provenance a")[0]
    assert versions.get("href") == f"{path}versions/"
    # A change to the agencies is kept anew, links and all.
    Agency.objects.create(slug="aaa", name="AAA Wire", byline="AAA")
    links = _header_links(client.get(path).content)
    assert links["agencies"][0] == ("/agency/aaa/", "AAA Wire")
