"""Editions: a Hindi edition at /hi/ beside the English one at /, and hreflang between the
English and Hindi versions of one agency story."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.wsgi import get_wsgi_application
from lxml import etree, html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site.fastpath import whole_bodies, wrap
from wiredesk.site.generation import generation_clock
from wiredesk.site.http_cache import surrogate_keys
from wiredesk.site.models import StoryTranslation
from wiredesk.site.revalidated import revalidated
from wiredesk.stories import editorial
from wiredesk.stories.models import LifecycleEvent, Section, Story

from .desk_users import staff
from .options import with_options
from .surfaces import feed_ids, listed_ids
from .test_fast_path import request as wsgi_request

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
SHARED_ID = {"role": "storyid", "value": "IANS-20261207-0042"}

ENGLISH = (
    "Delhi air improves as strong winds clear the smog",
    "NEW DELHI, Dec 7 (IANS) The capital's air quality improved on Sunday as strong winds"
    " cleared the smog, the weather office said.",
)
HINDI = (
    "तेज़ हवाओं से दिल्ली की हवा सुधरी, धुंध छँटी",
    "नई दिल्ली, 7 दिसंबर (आईएएनएस)। राजधानी में रविवार को तेज़ हवाओं से धुंध छँट गई और हवा"
    " की गुणवत्ता में सुधार हुआ, मौसम विभाग ने कहा।",
)
HINDI_OTHER = (
    "मुंबई में लोकल ट्रेनें समय पर चलीं",
    "मुंबई, 7 दिसंबर (आईएएनएस)। रविवार को मुंबई की लोकल ट्रेनें समय पर चलीं, रेलवे ने कहा।",
)


# The stories' time, as the agency gives it; news sitemaps are read an hour later
# (`time_machine`), within their two days whatever day the suite runs.
PUBLISHED = "2026-12-07T09:00:00+05:30"


def ninjs(
    uri: str, language: str, words: tuple[str, str], *alt_ids: dict, published: str = PUBLISHED
) -> bytes:
    item = {
        "uri": uri,
        "type": "text",
        "language": language,
        "headline": words[0],
        "versioncreated": published,
        "body_text": words[1],
        "subject": [{"name": "Environment"}],
    }
    if alt_ids:
        item["altids"] = list(alt_ids)
    return json.dumps(item, ensure_ascii=False).encode()


@pytest.fixture
def hindi_edition(settings):
    with_options(settings, site={"editions": ("hi",)})


@pytest.fixture
def stories(feeds, hindi_edition):
    """An English story and its Hindi version (one altId), and another Hindi story."""
    feed = feeds["ians"]
    ingest_bytes(feed, ninjs("urn:ians:en:42", "en", ENGLISH, SHARED_ID), "en.json")
    ingest_bytes(feed, ninjs("urn:ians:hi:42", "hi", HINDI, SHARED_ID), "hi.json")
    ingest_bytes(feed, ninjs("urn:ians:hi:43", "hi-IN", HINDI_OTHER), "hi2.json")
    return {s.item_id.split(":", 2)[2]: s for s in Story.objects.all()}


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.fromstring(response.content)


def test_an_edition_has_its_own_home_in_its_language_listing_its_stories(client, stories):
    hindi = page(client, "/hi/")
    assert hindi.getroottree().getroot().get("lang") == "hi"
    assert listed_ids(client, "/hi/") == {stories["hi:42"].pk, stories["hi:43"].pk}
    # The main edition lists the stories no other edition takes.
    assert listed_ids(client, "/") == {stories["en:42"].pk}
    assert page(client, "/").getroottree().getroot().get("lang") == "en"
    # Its header links stay in the edition; its date is written as Hindi readers write it.
    assert hindi.xpath("//header//a[@class='brand']/@href") == ["/hi/"]
    agency_links = hindi.xpath("//header/nav[last()]//a/@href")
    assert "/hi/agency/ians/" in agency_links
    assert "दिसंबर" in hindi.xpath("string(//ul[@class='cards']//time)")


def test_an_address_that_is_not_an_edition_is_not_found(client, stories):
    assert client.get("/mr/").status_code == 404
    assert client.get("/xx/feeds/rss.xml").status_code == 404


def test_with_no_editions_the_home_lists_every_language(client, feeds):
    ingest_bytes(feeds["ians"], ninjs("urn:ians:en:42", "en", ENGLISH), "en.json")
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:42", "hi", HINDI), "hi.json")
    assert len(listed_ids(client, "/")) == 2
    assert client.get("/hi/").status_code == 404


def test_an_edition_has_agency_section_and_topic_pages(client, stories):
    Section.objects.create(name="Environment", slug="environment")
    Story.objects.update(sections="|environment|")
    hindi = {stories["hi:42"].pk, stories["hi:43"].pk}
    assert listed_ids(client, "/hi/agency/ians/") == hindi
    assert listed_ids(client, "/hi/section/environment/") == hindi
    assert listed_ids(client, "/hi/topic/environment/") == hindi
    assert listed_ids(client, "/section/environment/") == {stories["en:42"].pk}
    nav = page(client, "/hi/").xpath("//header/nav[1]//a/@href")
    assert nav == ["/hi/section/environment/"]


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_an_edition_has_its_own_feeds_in_its_language(client, stories, name):
    hindi = {stories["hi:42"].pk, stories["hi:43"].pk}
    assert feed_ids(client, f"/hi/feeds/{name}") == hindi
    assert feed_ids(client, f"/hi/agency/ians/{name}") == hindi
    assert feed_ids(client, f"/feeds/{name}") == {stories["en:42"].pk}
    body = client.get(f"/hi/feeds/{name}").content
    if name == "feed.json":
        assert json.loads(body)["language"] == "hi"
    elif name == "rss.xml":
        channel = etree.fromstring(body).find("channel")
        assert channel.findtext("language") == "hi"
        assert channel.findtext("link") == "https://news.example/hi/"
    else:
        assert feedparser.parse(body).feed.get("language") == "hi"


def test_an_edition_has_its_own_sitemaps_listed_in_robots_txt(client, stories):
    index = etree.fromstring(client.get("/hi/sitemap.xml").content)
    locations = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert locations == [
        "https://news.example/hi/sitemap-news.xml",
        "https://news.example/hi/sitemap-stories.xml",
        "https://news.example/hi/sitemap-pages.xml",
    ]

    def story_ids(path: str) -> set[int]:
        tree = etree.fromstring(client.get(path).content)
        return {
            int(loc.text.split("/story/")[1].split("/")[0]) for loc in tree.iter(f"{SITEMAP}loc")
        }

    hindi = {stories["hi:42"].pk, stories["hi:43"].pk}
    with time_machine.travel(datetime.fromisoformat(PUBLISHED) + timedelta(hours=1)):
        news, hindi_news = story_ids("/sitemap-news.xml"), story_ids("/hi/sitemap-news.xml")
    assert hindi_news == story_ids("/hi/sitemap-stories.xml") == hindi
    assert news == story_ids("/sitemap-stories.xml") == {stories["en:42"].pk}
    pages = etree.fromstring(client.get("/hi/sitemap-pages.xml").content)
    assert [loc.text for loc in pages.iter(f"{SITEMAP}loc")] == ["https://news.example/hi/"]
    robots = client.get("/robots.txt").content.decode().splitlines()
    assert "Sitemap: https://news.example/hi/sitemap.xml" in robots


def test_edition_homes_name_each_other_with_hreflang(client, stories):
    for path in ("/", "/hi/"):
        links = page(client, path).xpath("//link[@rel='alternate'][@hreflang]")
        assert {(link.get("hreflang"), link.get("href")) for link in links} == {
            ("en", "https://news.example/"),
            ("hi", "https://news.example/hi/"),
            ("x-default", "https://news.example/"),
        }


def alternates(client, story: Story) -> dict[str, str]:
    links = page(client, story.get_absolute_url()).xpath("//link[@rel='alternate'][@hreflang]")
    return {link.get("hreflang"): link.get("href") for link in links}


def test_an_agency_s_two_language_versions_of_a_story_name_each_other(client, stories):
    english, hindi = stories["en:42"], stories["hi:42"]
    en_url = "https://news.example" + english.get_absolute_url()
    hi_url = "https://news.example" + hindi.get_absolute_url()
    expected = {"en": en_url, "hi": hi_url, "x-default": en_url}
    assert alternates(client, english) == expected
    assert alternates(client, hindi) == expected
    # A story with no version in another language names none.
    assert alternates(client, stories["hi:43"]) == {}
    assert StoryTranslation.objects.get(story=hindi).linked_by == "agency"


def test_a_story_page_s_own_words_are_in_its_edition_s_language(client, stories):
    hindi = page(client, stories["hi:42"].get_absolute_url())
    root = hindi.getroottree().getroot()
    assert root.get("lang") == "hi"
    # The chrome is the Hindi edition's: no English part marked on it.
    assert hindi.find(".//header").get("lang") is None
    assert hindi.xpath("//header//a[@class='brand']/@href") == ["/hi/"]
    assert "दिसंबर" in hindi.xpath("string(//p[@class='meta']/time)")
    english = page(client, stories["en:42"].get_absolute_url())
    assert english.xpath("//header//a[@class='brand']/@href") == ["/"]


def found_ids(client, path: str, words: str) -> set[int]:
    """Return the story ids a search page finds for `words`."""
    found = html.fromstring(client.get(path, {"q": words}).content)
    return {int(href.split("/")[2]) for href in found.xpath('//ul[@class="cards"]//h2/a/@href')}


def test_search_from_an_edition_answers_in_its_language_among_its_stories(client, stories):
    assert page(client, "/hi/").xpath("//header//form[@role='search']/@action") == ["/hi/search"]
    hindi = page(client, "/hi/search?q=हवा")
    assert hindi.getroottree().getroot().get("lang") == "hi"
    assert hindi.find(".//main//h1").text == "खोजें"
    assert hindi.xpath("//main//form[@role='search']/@action") == ["/hi/search"]
    assert hindi.xpath("//header//a[@class='brand']/@href") == ["/hi/"]
    assert found_ids(client, "/hi/search", "हवा") == {stories["hi:42"].pk}
    # Each edition searches the stories it lists, as its lists do.
    assert found_ids(client, "/hi/search", "Delhi") == set()
    assert found_ids(client, "/search", "Delhi") == {stories["en:42"].pk}
    assert found_ids(client, "/search", "हवा") == set()
    english = page(client, "/search?q=Delhi")
    assert english.getroottree().getroot().get("lang") == "en"
    assert english.find(".//main//h1").text == "Search"


@pytest.mark.django_db(transaction=True)  # real commits: kept searches as in production
def test_the_same_words_kept_for_one_edition_s_search_are_not_another_s(client, settings, feeds):
    with_options(settings, site={"editions": ("hi",), "page_cache_seconds": 300})
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:42", "hi", HINDI), "hi.json")
    story = Story.objects.get()
    for _ in range(2):  # the second of each is answered from what was kept
        assert found_ids(client, "/search", "हवा") == set()
        assert found_ids(client, "/hi/search", "हवा") == {story.pk}


def test_a_story_s_versions_page_is_in_its_edition_s_language(client, stories):
    story = stories["hi:42"]
    hindi = page(client, f"{story.get_absolute_url()}versions/")
    assert hindi.getroottree().getroot().get("lang") == "hi"
    assert hindi.find(".//main//h1").text == "संस्करण"
    assert hindi.xpath("//header//a[@class='brand']/@href") == ["/hi/"]
    english = page(client, f"{stories['en:42'].get_absolute_url()}versions/")
    assert english.getroottree().getroot().get("lang") == "en"
    assert english.find(".//main//h1").text == "Versions"


def test_the_same_identifier_in_the_same_language_links_nothing(client, feeds, hindi_edition):
    feed = feeds["ians"]
    ingest_bytes(feed, ninjs("urn:ians:hi:1", "hi", HINDI, SHARED_ID), "a.json")
    ingest_bytes(feed, ninjs("urn:ians:hi:2", "hi", HINDI_OTHER, SHARED_ID), "b.json")
    assert not StoryTranslation.objects.exists()


def test_a_duty_editor_links_two_stories_on_the_desk_and_it_is_logged(client, feeds, hindi_edition):
    feed = feeds["ians"]
    ingest_bytes(feed, ninjs("urn:ians:en:1", "en", ENGLISH), "a.json")
    ingest_bytes(feed, ninjs("urn:ians:hi:1", "hi", HINDI), "b.json")
    english, hindi = Story.objects.get(language="en"), Story.objects.get(language="hi")
    assert alternates(client, english) == {}
    url = f"/desk/story/{english.pk}/translation"
    # A viewer sees the translations but has no form; a post is refused.
    client.force_login(staff("viewer", "stories.view_story"))
    desk = html.fromstring(client.get(f"/desk/story/{english.pk}/").content)
    assert desk.xpath("//section[@class='translations']")
    assert not desk.xpath(f"//form[@action='{url}']")
    assert client.post(url, {"action": "link", "other": hindi.pk}).status_code == 403
    assert not StoryTranslation.objects.exists()
    client.force_login(staff("duty", "stories.view_story", "stories.change_story"))
    desk = html.fromstring(client.get(f"/desk/story/{english.pk}/").content)
    label = desk.xpath(f"//form[@action='{url}']//label")[0]
    assert "Same story in another language" in label.text_content()
    reply = client.post(url, {"action": "link", "other": hindi.pk})
    assert reply.status_code == 302
    assert (
        set(alternates(client, english))
        == set(alternates(client, hindi))
        == {
            "en",
            "hi",
            "x-default",
        }
    )
    logged = LifecycleEvent.objects.filter(kind="translated").values_list("story_id", "actor")
    assert set(logged) == {(english.pk, "editor duty"), (hindi.pk, "editor duty")}
    # The same language, or a story that is not there, is refused.
    client.post(url, {"action": "link", "other": english.pk})
    client.post(url, {"action": "link", "other": 999999})
    assert StoryTranslation.objects.count() == 2
    client.post(url, {"action": "unlink"})
    assert alternates(client, hindi) == {}


def test_a_killed_translation_is_no_longer_named(client, stories):
    chief = get_user_model().objects.create_superuser("chief", "chief@news.example")
    editorial.kill([stories["hi:42"].pk], chief, "Wrong figures")
    assert alternates(client, stories["en:42"]) == {}


def test_edition_answers_are_purged_with_the_lists():
    assert surrogate_keys("/hi/") == surrogate_keys("/hi/feeds/rss.xml") == ["lists"]
    assert surrogate_keys("/hi/sitemap-news.xml") == ["lists"]


EDITION_SURFACES = (
    "/hi/",
    "/hi/agency/ians/",
    "/hi/feeds/rss.xml",
    "/hi/feeds/atom.xml",
    "/hi/feeds/feed.json",
    "/hi/sitemap-news.xml",
    "/hi/sitemap-stories.xml",
)


@pytest.mark.django_db(transaction=True)  # real commits: the change signals fire
def test_a_kill_leaves_every_edition_surface_at_once_through_every_cache(settings, feeds):
    with_options(settings, site={"editions": ("hi",), "page_cache_seconds": 300})
    clock = generation_clock()
    deadline = time.monotonic() + 5
    while clock.current() is None and time.monotonic() < deadline:  # Redis's listener
        time.sleep(0.01)
    # What a web worker runs: kept answers, revalidated feeds, the page cache, Django.
    app = wrap(revalidated(whole_bodies(get_wsgi_application()), 8 << 20), 300)
    # An hour ago: in the news sitemap's two days, which keep what each worker layer keeps.
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    ingest_bytes(feeds["ians"], ninjs("urn:ians:hi:42", "hi", HINDI, published=hour_ago), "hi.json")
    story = Story.objects.get()
    marker = f"/story/{story.pk}/".encode()
    for path in EDITION_SURFACES:
        for _ in range(2):  # the second is answered from what was kept
            status, _headers, body = wsgi_request(app, path)
            assert status.startswith("200") and marker in body, path
    killed = json.loads(ninjs("urn:ians:hi:42", "hi", HINDI, published=hour_ago))
    ingest_bytes(feeds["ians"], json.dumps({**killed, "pubstatus": "canceled"}).encode(), "k.json")
    assert Story.objects.get().state == Story.State.KILLED
    for path in EDITION_SURFACES:
        status, _headers, body = wsgi_request(app, path)
        assert status.startswith("200") and story.get_absolute_url().encode() not in body, path
    assert wsgi_request(app, story.get_absolute_url())[0].startswith("410")


def g2(guid: str, language: str, words: tuple[str, str], alt_id: str) -> bytes:
    """Return a NewsML-G2 newsItem whose contentMeta carries an `altId` of type storyid."""
    return (
        f'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{guid}" version="1">'
        '<itemMeta><itemClass qcode="ninat:text"/>'
        f"<versionCreated>{PUBLISHED}</versionCreated></itemMeta>"
        f'<contentMeta><language tag="{language}"/><altId type="storyid">{alt_id}</altId>'
        f"<headline>{words[0]}</headline></contentMeta>"
        '<contentSet><inlineXML contenttype="application/xhtml+xml">'
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{words[1]}</p></body></html>'
        "</inlineXML></contentSet></newsItem>"
    ).encode()


def test_newsml_g2_versions_sharing_an_alt_id_name_each_other(client, feeds, hindi_edition):
    feed = feeds["ians"]
    ingest_bytes(feed, g2("urn:ians:g2:en:7", "en", ENGLISH, "IANS-7"), "en.xml")
    ingest_bytes(feed, g2("urn:ians:g2:hi:7", "hi", HINDI, "IANS-7"), "hi.xml")
    english = Story.objects.get(item_id="urn:ians:g2:en:7")
    hindi = Story.objects.get(item_id="urn:ians:g2:hi:7")
    assert (english.language, hindi.language) == ("en", "hi")
    en_url = "https://news.example" + english.get_absolute_url()
    hi_url = "https://news.example" + hindi.get_absolute_url()
    expected = {"en": en_url, "hi": hi_url, "x-default": en_url}
    assert alternates(client, english) == alternates(client, hindi) == expected


def test_each_sitemap_entry_of_a_linked_story_names_its_other_languages(client, stories):
    english, hindi = stories["en:42"], stories["hi:42"]
    en_url = "https://news.example" + english.get_absolute_url()
    hi_url = "https://news.example" + hindi.get_absolute_url()
    expected = {("en", en_url), ("hi", hi_url), ("x-default", en_url)}
    for path, url in (("/sitemap-stories.xml", en_url), ("/hi/sitemap-stories.xml", hi_url)):
        urlset = etree.fromstring(client.get(path).content)
        entries = {entry.findtext(f"{SITEMAP}loc"): entry for entry in urlset}
        links = entries[url].findall(f"{XHTML}link")
        assert {(link.get("hreflang"), link.get("href")) for link in links} == expected
        assert all(link.get("rel") == "alternate" for link in links)
    # A story with no version in another language names none.
    other = "https://news.example" + stories["hi:43"].get_absolute_url()
    urlset = etree.fromstring(client.get("/hi/sitemap-stories.xml").content)
    [entry] = [e for e in urlset if e.findtext(f"{SITEMAP}loc") == other]
    assert entry.findall(f"{XHTML}link") == []


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_an_edition_s_feed_says_the_default_disclaimer_in_its_language(client, stories, name):
    from django.utils import translation

    from wiredesk.sources.models import DEFAULT_DISCLAIMER, Agency

    with translation.override("hi"):
        hindi = translation.gettext(DEFAULT_DISCLAIMER)
    assert hindi != DEFAULT_DISCLAIMER  # the Hindi catalogue has it

    def contents(path: str) -> list[str]:
        body = client.get(path).content
        if name == "feed.json":
            return [item["content_html"] for item in json.loads(body)["items"]]
        return [entry.content[0].value for entry in feedparser.parse(body).entries]

    def disclaimers(path: str) -> set[str]:
        return {html.fromstring(text).xpath("string(//em[last()])") for text in contents(path)}

    assert disclaimers(f"/hi/feeds/{name}") == {hindi}
    assert disclaimers(f"/feeds/{name}") == {DEFAULT_DISCLAIMER}
    # A publisher's own disclaimer is theirs, in every edition, as written.
    Agency.objects.filter(slug="ians").update(disclaimer="Wire copy; not edited here.")
    assert disclaimers(f"/hi/feeds/{name}") == {"Wire copy; not edited here."}
