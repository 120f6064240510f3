"""Reader site: lists, agency pages, pagination, canonical URLs, gone and missing stories."""

from __future__ import annotations

import lxml.html
import pytest

from wiredesk.stories.models import Story

from .conftest import SEED_V1, SEED_V2
from .helpers import visible_text
from .options import with_options


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return lxml.html.fromstring(response.content)


def headlines(tree):
    return [a.text_content() for a in tree.xpath('//ul[@class="cards"]//h2/a')]


def test_home_lists_latest_first_and_paginates(client, all_bundled, settings):
    with_options(settings, site={"page_size": 20})
    first = page(client, "/")
    listed = headlines(first)
    assert len(listed) == 20
    expected = list(
        Story.objects.order_by("-first_published_at", "-id").values_list("headline", flat=True)
    )
    assert listed == expected[:20]
    assert listed[0] == "'US, S.Korea working to restart dialogue with Pyongyang'"
    assert first.xpath('//a[@rel="next"]/@href') == ["?page=2"]
    second = page(client, "/?page=2")
    assert headlines(second) == expected[20:]
    assert second.xpath('//a[@rel="prev"]/@href') == ["?page=1"]
    assert second.xpath('//a[@rel="next"]') == []  # the last page: nothing older
    # Pages are not counted (a million stories would take a second): past the end,
    # or not a page number at all, is simply not found.
    for past in ("/?page=3", "/?page=0", "/?page=x", "/?page=-1", "/agency/ians/?page=9"):
        assert client.get(past).status_code == 404, past
    times = first.xpath('//ul[@class="cards"]//time/@datetime')
    assert times[0] == "2021-10-14T09:39:03+05:30"


def test_agency_page_lists_only_that_agency(client, all_bundled):
    tree = page(client, "/agency/northline/")
    assert tree.xpath("//h1")[0].text == "Northline Wire"
    listed = headlines(tree)
    assert len(listed) == 11
    assert set(listed) == set(
        Story.objects.filter(agency__slug="northline").values_list("headline", flat=True)
    )
    page(client, "/agency/nobody/", status=404)


def test_story_url_with_a_stale_slug_redirects_to_the_canonical_one(client, ingest):
    ingest(SEED_V1)
    story = Story.objects.get()
    response = client.get(f"/story/{story.pk}/old-headline/")
    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()
    assert client.get(f"/story/{story.pk}/").status_code == 301


def test_unknown_story_is_404(client, db):
    page(client, "/story/999/nothing/", status=404)


def test_canceled_story_answers_410_and_leaves_the_lists(client, ingest, feeds):
    from wiredesk.stories.services import store_item
    from wiredesk.wire import normalize, parse

    ingest(SEED_V1)
    story = Story.objects.get()
    [item] = parse(SEED_V1.read_bytes())
    kill = normalize(item).replace(version="kill-1", pub_status="canceled", version_created=None)
    from wiredesk.stories.models import Delivery

    outcome = store_item(feeds["ians"].agency, kill, Delivery.objects.get(), story.modified_at)
    assert outcome.action == "killed"
    tree = page(client, story.get_absolute_url(), status=410)
    assert "withdrawn" in visible_text(tree)
    assert story.headline not in visible_text(tree)
    assert headlines(page(client, "/")) == []
    # A kill is final: a later version does not bring it back.
    ingest(SEED_V2)
    page(client, story.get_absolute_url(), status=410)


def test_advisory_is_never_published(ingest, feeds):
    from wiredesk.stories.models import Delivery
    from wiredesk.stories.services import store_item
    from wiredesk.wire import normalize, parse

    ingest(SEED_V1)
    [item] = parse(SEED_V1.read_bytes())
    advisory = normalize(item).replace(item_id="advisory-1", is_advisory=True)
    outcome = store_item(
        feeds["ians"].agency, advisory, Delivery.objects.get(), Story.objects.get().modified_at
    )
    assert outcome.action == "skipped"
    assert not Story.objects.filter(item_id="advisory-1").exists()


def test_healthz(client, db):
    assert client.get("/healthz").content == b"ok\n"


@pytest.mark.django_db
def test_empty_site_says_stories_will_come(client):
    assert "No stories yet" in visible_text(page(client, "/"))


def test_story_page_is_accessible_html(client, ingest):
    ingest(SEED_V2)
    tree = page(client, Story.objects.get().get_absolute_url())
    assert tree.get("lang") == "en"
    assert tree.xpath('//meta[@name="viewport"]')
    assert len(tree.xpath("//h1")) == 1
    assert tree.xpath('//a[@class="skip"]/@href') == ["#content"]
    assert tree.xpath("//main[@id='content']//article")
    assert not tree.xpath("//script[not(@type='application/ld+json')]")  # no JavaScript
