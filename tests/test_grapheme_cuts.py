"""A headline or teaser cut short for a card, a title or structured data is cut between
graphemes: a Hindi letter never loses its vowel sign, nor a conjunct its second half."""

from __future__ import annotations

import json
import unicodedata

import pytest
from lxml import html

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.events import record
from wiredesk.stories.models import Story

from .desk_users import DESK_PERMISSIONS, staff

pytestmark = pytest.mark.django_db(transaction=True)

PHRASE = "क्षेत्रीय प्रतिनिधियों की स्थिति में सुधार "
HEADLINE = (PHRASE * 8).strip()
TEASER = (PHRASE * 12).strip()
VIRAMA = "\u094d"


def story_with_shift(feeds, shift: int) -> Story:
    """Ingest the long Hindi story, `shift` single-letter words ahead so every cut
    length lands at another place inside a cluster."""
    lead = "अ" * shift + " " if shift else ""
    item = {
        "uri": f"urn:ians:cuts:{shift}",
        "type": "text",
        "language": "hi",
        "headline": lead + HEADLINE,
        "versioncreated": "2026-12-06T09:00:00+05:30",
        "body_text": "नई दिल्ली, 6 दिसंबर (आईएएनएस)। " + TEASER,
    }
    data = json.dumps(item, ensure_ascii=False).encode()
    report = ingest_bytes(feeds["ians"], data, f"cuts-{shift}.json")
    assert report.ok and not report.item_failures, report
    # An editor's teaser may be longer than the card's cut.
    Story.objects.filter(item_id=f"urn:ians:cuts:{shift}").update(teaser=lead + TEASER)
    return Story.objects.get(item_id=f"urn:ians:cuts:{shift}")


def assert_whole_graphemes(shown: str, whole: str) -> None:
    """`shown` is `whole` or a start of it cut between graphemes (an ellipsis after)."""
    start = shown.removesuffix("…").rstrip()
    assert whole.startswith(start), (shown, whole)
    assert len(start) < len(whole) or shown == whole
    if len(start) < len(whole):
        after = whole[len(start)]
        assert not unicodedata.category(after).startswith("M"), (start[-3:], after)
        assert not start.endswith(VIRAMA), start[-3:]


SHIFTS = range(8)


def test_the_story_page_cuts_its_card_titles_and_headline_between_graphemes(client, feeds):
    for shift in SHIFTS:
        story = story_with_shift(feeds, shift)
        assert len(story.teaser) > 200 and len(story.headline) > 110
        page = html.fromstring(client.get(story.get_absolute_url()).content)
        title = page.find(".//meta[@name='twitter:title']").get("content")
        assert len(title) <= 70
        assert_whole_graphemes(title, story.headline)
        description = page.find(".//meta[@name='twitter:description']").get("content")
        assert len(description) <= 200
        assert_whole_graphemes(description, story.teaser)
        ld = json.loads(page.find(".//script[@type='application/ld+json']").text)
        assert len(ld["headline"]) <= 110
        assert_whole_graphemes(ld["headline"], story.headline)


def test_the_desk_cuts_story_kill_and_audit_titles_between_graphemes(client, feeds):
    client.force_login(staff("alice", *DESK_PERMISSIONS))
    for shift in SHIFTS:
        story = story_with_shift(feeds, shift)
        record("held", "desk", story=story, reason="cut test")
        for address in (f"/desk/story/{story.pk}/", f"/desk/story/{story.pk}/kill"):
            reply = client.get(address)
            assert reply.status_code == 200, address
            title = html.fromstring(reply.content).findtext(".//title")
            shown = title.removeprefix("Kill: ").split(" · ")[0].split(" | ")[0].strip()
            assert_whole_graphemes(shown, story.headline)
        rows = html.fromstring(client.get("/desk/audit/", {"story": story.pk}).content)
        links = rows.xpath(f"//tbody//a[@href='/desk/story/{story.pk}/']")
        assert links
        for link in links:
            assert_whole_graphemes(link.text_content(), story.headline)
