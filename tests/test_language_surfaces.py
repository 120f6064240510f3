"""Each story's language is said wherever its words are shown: on its card in a list of
stories in several languages, in its ninjs, and taken from the feed document when the
item does not say it."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.site.languages import reader_time
from wiredesk.stories.models import Story

from .test_indian_scripts import STORIES, ninjs

pytestmark = pytest.mark.django_db(transaction=True)


def english(uri: str) -> bytes:
    return json.dumps(
        {
            "uri": uri,
            "type": "text",
            "language": "en",
            "headline": "Air quality improves in Delhi",
            "versioncreated": "2026-12-06T09:00:00+05:30",
            "body_text": "NEW DELHI, Dec 6 (IANS) Air quality improved in the capital on Saturday.",
        }
    ).encode()


@pytest.fixture
def mixed(feeds) -> dict[str, Story]:
    """Stories in English, Hindi and Urdu from one agency."""
    ingest_bytes(feeds["ians"], english("urn:ians:en:mix"), "en.json")
    for language in ("hi", "ur"):
        ingest_bytes(feeds["ians"], ninjs(f"urn:ians:{language}:mix", language), f"{language}.json")
    return {s.language: s for s in Story.objects.filter(item_id__endswith=":mix")}


def cards(client, address: str, query: dict[str, str] | None = None) -> dict[str, html.HtmlElement]:
    page = html.fromstring(client.get(address, query or {}).content)
    found = {}
    for card in page.xpath("//main//li[.//h2/a]"):
        found[card.xpath("string(.//h2/a)").strip()] = card
    return found


def test_each_card_in_a_list_of_several_languages_says_its_story_s_language(client, mixed):
    shown = cards(client, "/")
    hindi, urdu = shown[STORIES["hi"][0]], shown[STORIES["ur"][0]]
    assert (hindi.get("lang"), hindi.get("dir")) == ("hi", None)
    assert (urdu.get("lang"), urdu.get("dir")) == ("ur", "rtl")
    # The site's own language needs no attribute: the page says it.
    assert shown["Air quality improves in Delhi"].get("lang") is None


def test_a_card_on_the_search_page_says_its_story_s_language(client, mixed):
    urdu = cards(client, "/search", {"q": STORIES["ur"][4]})[STORIES["ur"][0]]
    assert (urdu.get("lang"), urdu.get("dir")) == ("ur", "rtl")
    hindi = cards(client, "/search", {"q": STORIES["hi"][4]})[STORIES["hi"][0]]
    assert (hindi.get("lang"), hindi.get("dir")) == ("hi", None)


@pytest.mark.parametrize("version", ["2.2", "3.1"])
def test_the_ninjs_of_a_hindi_story_says_hindi(client, mixed, version):
    story = mixed["hi"]
    reply = client.get(f"/api/v1/stories/{story.pk}/ninjs", {"version": version})
    assert reply.status_code == 200
    assert reply.json()["language"] == "hi"


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>आईएएनएस हिंदी</title><link>https://ians.example/hi</link><description>समाचार</description>
<language>hi</language>
<item><title>{headline}</title><guid>urn:ians:rss:hi</guid>
<description>{body}</description><pubDate>Sun, 06 Dec 2026 09:00:00 +0530</pubDate></item>
</channel></rss>"""


def test_an_item_without_a_language_takes_its_feed_document_s(client, feeds):
    headline, body, *_ = STORIES["hi"]
    data = RSS.format(headline=headline, body=body).encode()
    report = ingest_bytes(feeds["ians"], data, "hi.xml")
    assert report.ok and not report.item_failures, report
    story = Story.objects.get(item_id="urn:ians:rss:hi")
    assert story.language == "hi"
    article = html.fromstring(client.get(story.get_absolute_url()).content).find(".//article")
    assert article.get("lang") == "hi"


@pytest.mark.parametrize("language", ["hi", "mr", "ne", "bn", "as", "ta", "ur"])
def test_the_site_writes_its_dates_in_latin_digits_in_every_language(language):
    moment = datetime(2026, 12, 6, 21, 42, tzinfo=ZoneInfo("Asia/Kolkata"))
    digits = [c for c in reader_time(moment, language) if unicodedata.category(c) == "Nd"]
    assert "".join(digits) == "620262142"


def test_a_story_keeps_the_digits_its_agency_wrote(client, feeds):
    ingest_bytes(feeds["ians"], ninjs("urn:ians:bn:digits", "bn"), "bn.json")
    story = Story.objects.get(item_id="urn:ians:bn:digits")
    article = html.fromstring(client.get(story.get_absolute_url()).content).find(".//article")
    assert "৬ ডিসেম্বর" in article.text_content()
