"""Sections the publisher defines: routing rules, pages, feeds, sitemaps, navigation, and an
editor's override; topic pages served; every list page advertising its feeds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import lxml.etree
import lxml.html
import pytest

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories import rules
from wiredesk.stories.models import Section, SectionRule, Story

from .desk_users import staff
from .wire_builder import g2_item

T0 = datetime(2021, 10, 14, 4, 0, tzinfo=UTC)
SUBJECT = b'<subject type="cpnat:abstract" qcode="medtop:04000000"><name>economy, business and finance</name></subject>'


def test_routing_rules_match_feed_agency_subject_keyword_and_headline_words():
    routes = [
        rules.Route("india", "feed", "ians-inbox"),
        rules.Route("wires", "agency", "pti"),
        rules.Route("business", "subject", "medtop:04000000"),
        rules.Route("cricket", "keyword", "Cricket"),
        rules.Route("weather", "headline", "monsoon withdraws"),
    ]
    subjects = [{"code": "medtop:04000000", "name": "economy"}]

    def routed(**kw) -> str:
        facts = {"feed": "x", "agency": "y", "subjects": [], "keywords": [], "headline": ""} | kw
        return rules.route(routes, **facts)

    assert routed() == ""
    assert routed(feed="ians-inbox") == "|india|"
    assert routed(agency="PTI") == "|wires|"  # case does not matter
    assert routed(subjects=subjects) == "|business|"
    assert routed(keywords=["cricket"]) == "|cricket|"
    assert routed(headline="Monsoon withdraws from north India") == "|weather|"
    assert routed(headline="Monsoon stays") == ""  # every word of the rule, not one
    assert routed(feed="ians-inbox", headline="The monsoon withdraws") == "|india|weather|"


def deliver(
    feed,
    guid: str,
    version: int = 1,
    headline: str = "Monsoon withdraws from north India",
    extra: bytes = b"",
) -> Story:
    data = g2_item(guid, version, T0 + timedelta(minutes=version), headline=headline)
    ingest_bytes(feed, data.replace(b"<headline>", extra + b"<headline>"), f"{guid}.xml")
    return Story.objects.get(item_id=guid)


@pytest.fixture
def business(db):
    section = Section.objects.create(name="Business", slug="business", order=1)
    SectionRule.objects.create(section=section, kind="subject", value="medtop:04000000")
    SectionRule.objects.create(section=section, kind="headline", value="sensex")
    return section


@pytest.mark.django_db
def test_a_routed_story_is_on_its_section_page_feeds_and_sitemap(client, feeds, business):
    routed = deliver(feeds["ians"], "urn:econ", headline="Rupee firms", extra=SUBJECT)
    by_words = deliver(feeds["harbour"], "urn:sensex", headline="Sensex closes at a record")
    elsewhere = deliver(feeds["ians"], "urn:rain")
    assert (routed.sections, by_words.sections, elsewhere.sections) == ("|business|",) * 2 + ("",)
    page = lxml.html.fromstring(client.get("/section/business/").content)
    assert page.findtext(".//h1") == "Business"
    headlines = [a.text for a in page.iterfind(".//ul[@class='cards']//h2/a")]
    assert headlines == ["Sensex closes at a record", "Rupee firms"]
    rss = lxml.etree.fromstring(client.get("/section/business/rss.xml").content)
    assert [t.text for t in rss.iterfind("channel/item/title")] == headlines
    assert rss.findtext("channel/link").endswith("/section/business/")
    atom = lxml.etree.fromstring(client.get("/section/business/atom.xml").content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.find("a:link[@rel='self']", ns).get("href").endswith("/section/business/atom.xml")
    items = json.loads(client.get("/section/business/feed.json").content)["items"]
    assert [i["title"] for i in items] == headlines
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-sections.xml" in index
    sections = lxml.etree.fromstring(client.get("/sitemap-sections.xml").content)
    locs = [el.text for el in sections.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs == ["https://news.example/section/business/"]
    assert client.get("/section/nothing/").status_code == 404


@pytest.mark.django_db
def test_sections_are_in_the_navigation_in_their_order(client, feeds, business):
    Section.objects.create(name="World", slug="world", order=0)
    Section.objects.create(name="Hidden", slug="hidden", order=2, in_navigation=False)
    deliver(feeds["ians"], "urn:any")
    page = lxml.html.fromstring(client.get("/").content)
    nav = page.find(".//nav[@aria-label='Sections']")
    assert [a.text for a in nav.iter("a")] == ["World", "Business"]


@pytest.mark.django_db(transaction=True)
def test_an_editor_s_sections_stick_when_the_agency_sends_a_new_version(client, feeds, business):
    from wiredesk.stories import editorial

    editor = staff("alice", "stories.change_story")
    story = deliver(feeds["ians"], "urn:moved", headline="Sensex slips")
    assert story.sections == "|business|"
    world = Section.objects.create(name="World", slug="world")
    client.force_login(editor)
    client.post(
        f"/desk/story/{story.pk}/act",
        {"action": "sections", "section": ["world"], "reason": "A world story"},
    )
    story.refresh_from_db()
    assert (story.sections, story.sections_by_desk) == ("|world|", True)
    deliver(feeds["ians"], "urn:moved", 2, headline="Sensex slips again")
    story.refresh_from_db()
    assert story.sections == "|world|" and story.headline == "Sensex slips again"
    assert [
        a.text
        for a in lxml.html.fromstring(client.get(world.get_absolute_url()).content).iterfind(
            ".//ul[@class='cards']//h2/a"
        )
    ] == ["Sensex slips again"]
    event = story.events.get(kind="sectioned")
    assert event.reason == "business -> world: A world story" and event.user == editor
    # Without an override, a new version is routed again by its new words.
    other = deliver(feeds["ians"], "urn:rerouted", headline="Rain stops play")
    assert other.sections == ""
    assert deliver(feeds["ians"], "urn:rerouted", 2, headline="Sensex rallies").sections == (
        "|business|"
    )
    assert editorial.set_sections(other.pk, editor, []).sections == ""


@pytest.mark.django_db
def test_a_topic_page_is_served_not_a_404(client, feeds):
    deliver(feeds["ians"], "urn:topic", extra=SUBJECT)
    page = client.get("/topic/economy-business-and-finance/")
    assert page.status_code == 200
    assert b"Monsoon withdraws" in page.content
    assert client.get("/topic/no-such-topic/").status_code == 404
    rss = lxml.etree.fromstring(client.get("/topic/economy-business-and-finance/rss.xml").content)
    self_link = rss.find("channel/{http://www.w3.org/2005/Atom}link[@rel='self']")
    assert self_link.get("href").endswith("/topic/economy-business-and-finance/rss.xml")


@pytest.mark.django_db
def test_every_list_page_advertises_its_feeds(client, feeds, business):
    deliver(feeds["ians"], "urn:adv", headline="Sensex at a high", extra=SUBJECT)
    for path, feeds_at in (
        ("/", "/feeds/"),
        ("/agency/ians/", "/agency/ians/"),
        ("/section/business/", "/section/business/"),
        ("/topic/economy-business-and-finance/", "/topic/economy-business-and-finance/"),
    ):
        page = lxml.html.fromstring(client.get(path).content)
        links = {
            (link.get("type"), link.get("href"))
            for link in page.iterfind(".//head/link[@rel='alternate']")
        }
        base = "https://news.example" + feeds_at
        assert links == {
            ("application/rss+xml", base + "rss.xml"),
            ("application/atom+xml", base + "atom.xml"),
            ("application/feed+json", base + "feed.json"),
        }, path
        for _, href in links:  # each one answers
            assert client.get(href.removeprefix("https://news.example")).status_code == 200


@pytest.mark.django_db
def test_a_new_section_rule_reaches_the_section_page_at_once(client, feeds):
    section = Section.objects.create(name="Weather", slug="weather")
    assert b"No stories yet" in client.get("/section/weather/").content  # cached, empty
    SectionRule.objects.create(section=section, kind="headline", value="monsoon")
    deliver(feeds["ians"], "urn:after")
    assert b"Monsoon withdraws" in client.get("/section/weather/").content


def test_the_demo_s_sections_fill_from_its_own_deliveries(client, feeds):
    from wiredesk.demo.replay import agency_of, bundled_deliveries
    from wiredesk.runtime.management.commands.demo import demo_sections

    demo_sections()
    demo_sections()  # a later run of the demo makes nothing twice
    assert SectionRule.objects.count() == 13
    for path in bundled_deliveries():
        ingest_bytes(feeds[agency_of(path)], path.read_bytes(), path.name)
    for section in Section.objects.all():
        page = lxml.html.fromstring(client.get(section.get_absolute_url()).content)
        assert len(page.xpath("//ul[@class='cards']/li")) >= 2, section.slug
        feed = lxml.etree.fromstring(client.get(f"/section/{section.slug}/rss.xml").content)
        assert len(feed.xpath("//item")) >= 2, section.slug
    home = lxml.html.fromstring(client.get("/").content)
    linked = home.xpath("//nav[@aria-label='Sections']//a/@href")
    assert linked == ["/section/india/", "/section/world/", "/section/business/", "/section/sport/"]
    sitemap = lxml.etree.fromstring(client.get("/sitemap-sections.xml").content)
    locations = sitemap.xpath(
        "//s:url/s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    )
    assert len(locations) == 4
