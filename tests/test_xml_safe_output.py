"""What text cannot carry never makes a feed or a sitemap malformed (issue 27, item 5).

One agency headline holding U+FFFE, or a desk correction typed with a NUL, VT
or ESC, made the Google News sitemap malformed, and Google dropped every recent
story with it. XML 1.0 (section 2.2) carries tab, line ends and
[#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF], and asks to avoid the
noncharacters (U+FDD0-U+FDEF, U+nFFFE and U+nFFFF). Agency text and desk
corrections are cleaned alike when they come in, and every writer (RSS, Atom,
JSON Feed, every sitemap) drops them again on the way out; no word is lost.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from datetime import timedelta
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import lxml.etree
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories import editorial
from wiredesk.stories.models import Section, SectionRule, Story
from wiredesk.wire.text import strip_controls, xml_text

DPA = Path(__file__).parent / "data" / "iptc" / "ninjs" / "3.0-agencies" / "dpa_text.json"
SITEMAP_NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
# A strict reader: no recovery, no entities fetched or expanded.
STRICT = lxml.etree.XMLParser(recover=False, resolve_entities=False, no_network=True)

# What XML 1.0 cannot carry, or asks to avoid, that a stored text can hold.
UNCARRIED = [
    "\x00",
    "\x01",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\ufdef",
    "\U0001fffe",
    "\U0001ffff",
    "\U0010ffff",
]
HEADLINE = "Faktencheck\ufffe Derby-Elfmeter:\x00 Hat\x0b Schiedsrichter\x1b Zwayer \ufdd0recht?"
CLEAN_HEADLINE = "Faktencheck Derby-Elfmeter: Hat Schiedsrichter Zwayer recht?"


def is_uncarried(char: str) -> bool:
    """The XML 1.0 Char production and its noncharacters, read from the standard."""
    code = ord(char)
    is_char = (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
    return not is_char or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def without_uncarried(text: str) -> str:
    return "".join(c for c in text if not is_uncarried(c) and c != "\x7f")


def fold(text: str) -> str:
    return " ".join(text.split())


def test_every_control_and_noncharacter_goes_and_no_other_character():
    everything = "".join(map(chr, range(0x110000)))
    carried = "".join(c for c in everything if not is_uncarried(c) and c != "\x7f")
    assert xml_text(everything) == carried
    stored = everything[:0xD800] + everything[0xE000:]  # no stored text holds a surrogate
    assert strip_controls(stored) == xml_text(stored) == carried
    # Each alone, in ASCII text (the bytes' path) and in text of other scripts.
    for code in [*range(0x20), 0x7F, *range(0xFDD0, 0xFDF0), 0xFFFE, 0x3FFFE, 0x10FFFF]:
        kept = chr(code) if code in (0x9, 0xA, 0xD) else ""
        for text in (f"a{chr(code)}b", f"नमस्ते{chr(code)}\u00e9"):
            assert strip_controls(text) == xml_text(text) == text.replace(chr(code), kept)


def dpa_item(uri: str, headline: str, byline: str, lead: str = "") -> bytes:
    """Return dpa's ninjs sample as sent now, with these words in it."""
    doc = json.loads(DPA.read_text(encoding="utf-8"))
    doc["uri"] = uri
    doc["versionCreated"] = (timezone.now() - timedelta(hours=1)).isoformat()
    doc["headlines"][0]["value"] = headline
    doc["by"] = byline
    doc["subjects"] = [{"name": "Sport", "uri": "http://cv.iptc.org/newscodes/mediatopic/15000000"}]
    body = doc["bodies"][0]
    body["value"] = body["value"].replace("<p>Für Lucien", f"<p>{escape(lead)} Für Lucien", 1)
    return json.dumps(doc).encode()


@pytest.fixture
def sport(db):
    """A section every Meridian story is routed into (its feeds are surfaces too)."""
    section = Section.objects.create(name="Sport", slug="sport")
    SectionRule.objects.create(section=section, kind=SectionRule.Kind.AGENCY, value="meridian")
    return section


FEEDS = [
    f"{listing}{name}"
    for listing in ("/feeds/", "/agency/meridian/", "/topic/sport/", "/section/sport/")
    for name in ("rss.xml", "atom.xml", "feed.json")
]


def sitemap_paths(client) -> list[str]:
    """Return the sitemap index and every sitemap it lists (the news sitemap among them)."""
    index = lxml.etree.fromstring(client.get("/sitemap.xml").content, STRICT)
    children = [urlsplit(loc).path for loc in index.xpath("//s:loc/text()", namespaces=SITEMAP_NS)]
    assert "/sitemap-news.xml" in children
    return ["/sitemap.xml", *children]


def assert_carried(text: str, where: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if is_uncarried(c)})
    assert not bad, f"{where} holds {', '.join(bad)}"


def read_every_surface(client) -> dict[str, object]:
    """Fetch every feed and sitemap; return each parsed strictly (XML trees, JSON objects)."""
    read: dict[str, object] = {}
    for path in sitemap_paths(client) + FEEDS:
        response = client.get(path)
        assert response.status_code == 200, path
        if path.endswith(".json"):
            document = json.loads(response.content)  # strict: UTF-8, JSON's grammar
            assert_carried(json.dumps(document, ensure_ascii=False), path)
        else:
            try:
                document = lxml.etree.fromstring(response.content, STRICT)
            except lxml.etree.XMLSyntaxError as exc:
                raise AssertionError(f"{path} is malformed: {exc}") from exc
            # The parser refuses what XML cannot carry; the noncharacters it allows.
            for element in document.iter():
                assert_carried((element.text or "") + (element.tail or ""), path)
                for value in element.attrib.values():
                    assert_carried(value, path)
        read[path] = document
    return read


def news_titles(read: dict[str, object]) -> list[str]:
    tree = read["/sitemap-news.xml"]
    return tree.xpath("//news:title/text()", namespaces=SITEMAP_NS)  # type: ignore[attr-defined]


def feed_titles(read: dict[str, object], path: str) -> list[str]:
    if path.endswith(".json"):
        return [item["title"] for item in read[path]["items"]]  # type: ignore[index]
    tree = read[path]
    items = tree.xpath("//*[local-name()='item' or local-name()='entry']")  # type: ignore[attr-defined]
    return [i.xpath("string(*[local-name()='title'])") for i in items]


def test_an_agency_headline_with_uncarried_characters_keeps_every_word_on_every_surface(
    client, feeds, sport
):
    report = ingest_bytes(
        feeds["meridian"],
        dpa_item(
            "urn:dpa:ufffe",
            HEADLINE,
            "Von Christian\ufffe\x1b Hollmann, dpa\U0001fffe",
            lead="Dortmund\x0b (dpa)\ufffe -",
        ),
        "dpa.json",
    )
    assert "1 published" in str(report)
    story = Story.objects.get(item_id="urn:dpa:ufffe")
    assert story.headline == CLEAN_HEADLINE
    assert story.byline == "Von Christian Hollmann, dpa"
    assert story.body_text.startswith("Dortmund (dpa) - Für Lucien Favre war es «der größte")
    for text in (story.headline, story.byline, story.body_text, story.body_html, story.teaser):
        assert_carried(text, "the stored story")

    read = read_every_surface(client)
    assert news_titles(read) == [CLEAN_HEADLINE]
    for path in FEEDS:
        assert feed_titles(read, path) == [CLEAN_HEADLINE], path
    rss = lxml.etree.tostring(read["/feeds/rss.xml"], encoding="unicode")  # type: ignore[arg-type]
    assert "Von Christian Hollmann, dpa" in rss and "Dortmund (dpa) - Für Lucien Favre" in rss


def test_an_html_body_s_references_to_uncarried_characters_are_dropped_not_its_words(feeds):
    # `&#11;` or `&#xFFFE;` in declared HTML: a parser would decode them into the text.
    ingest_bytes(
        feeds["meridian"],
        dpa_item("urn:dpa:refs", "Derby", "dpa", lead="Dortmund&#11; (dpa)&#xFFFE; -&#xFDD0;"),
        "r.json",
    )
    story = Story.objects.get(item_id="urn:dpa:refs")
    # html.escape made the references text ("&amp;#11;"): kept as the agency wrote them.
    assert story.body_text.startswith("Dortmund&#11; (dpa)&#xFFFE; -&#xFDD0; Für Lucien")
    doc = json.loads(dpa_item("urn:dpa:refs2", "Derby", "dpa"))
    doc["bodies"][0]["value"] = "<p>Dortmund&#11; (dpa)&#xFFFE;&#x1b -&#xFDD0;</p><p>Für&#65;</p>"
    ingest_bytes(feeds["meridian"], json.dumps(doc).encode(), "r2.json")
    story = Story.objects.get(item_id="urn:dpa:refs2")
    assert story.body_text == "Dortmund (dpa) -\n\nFürA"
    assert_carried(story.body_html, "the stored body")


def test_text_stored_before_the_cleaning_never_makes_a_feed_or_sitemap_malformed(
    client, feeds, sport
):
    ingest_bytes(feeds["meridian"], dpa_item("urn:dpa:old", "Derby", "dpa"), "old.json")
    # Stored as typed before corrections were cleaned (a NUL PostgreSQL never stores).
    nul = "\x00" if connection.vendor == "sqlite" else ""
    Story.objects.update(
        headline=HEADLINE.replace("\x00", nul),
        byline=f"Von\x0b Christian{nul} Hollmann\ufffe",
        teaser="Für\x1b Lucien\ufffe Favre\U0010ffff ...",
        body_html="<p>Für\x0b Lucien\ufffe Favre\ufdd0 war es</p>",
        body_text="Für\x0b Lucien\ufffe Favre\ufdd0 war es",
    )
    read = read_every_surface(client)
    assert news_titles(read) == [CLEAN_HEADLINE]
    for path in FEEDS:
        assert feed_titles(read, path) == [CLEAN_HEADLINE], path
    [item] = read["/feeds/feed.json"]["items"]  # type: ignore[index]
    assert item["authors"] == [{"name": "Von Christian Hollmann (Meridian Press)"}]
    assert item["content_html"].startswith("<p>Für Lucien Favre war es</p>")


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("desk-editor", "desk@news.example", "pw-123456789")


def test_a_desk_correction_is_stored_cleaned_as_agency_text_is(client, feeds, sport, editor):
    ingest_bytes(feeds["meridian"], dpa_item("urn:dpa:fix", "Derby", "dpa"), "fix.json")
    story = Story.objects.get(item_id="urn:dpa:fix")
    version = editorial.correct(
        story.pk,
        editor,
        "Headline from the wire",
        headline=f"  {HEADLINE}\x7f ",
        byline="Von\x00 Christian\x0b Hollmann\x1b,\ufffe dpa",
        body_text="Für\x00 Lucien\x0b Favre\x1b war\ufffe es\ufdd0.\r\n\r\nDer\U0001fffe Trainer.",
    )
    story.refresh_from_db()
    for stored in (story, version):
        assert stored.headline == CLEAN_HEADLINE
        assert stored.byline == "Von Christian Hollmann, dpa"
        assert stored.body_text == "Für Lucien Favre war es.\n\nDer Trainer."
        assert stored.body_html == "<p>Für Lucien Favre war es.</p><p>Der Trainer.</p>"
        assert stored.teaser == "Für Lucien Favre war es. Der Trainer."
    read = read_every_surface(client)
    assert news_titles(read) == [CLEAN_HEADLINE]
    # A correction of only what cannot be carried changes no word.
    with pytest.raises(editorial.NothingToCorrect):
        editorial.correct(story.pk, editor, "Again", headline=f"{CLEAN_HEADLINE}\x00\ufffe")


# Any text: every code point but the surrogates (no stored text holds one: a
# lone one in an agency's JSON sends the item to quarantine, a browser's form
# never sends one), and the characters text cannot carry, and line ends, drawn often.
ANY_TEXT = st.text(
    st.characters(exclude_categories=["Cs"])
    | st.sampled_from([*UNCARRIED, "\t", "\n", "\r", "\x7f", "\x85", "\u2028"]),
    max_size=30,
)
numbers = itertools.count()


@settings(
    max_examples=int(os.environ.get("WIREDESK_XML_SAFE_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(agency=ANY_TEXT, desk=ANY_TEXT)
def test_any_text_from_an_agency_or_the_desk_leaves_every_feed_and_sitemap_well_formed(
    client, feeds, sport, editor, agency, desk
):
    Story.objects.all().delete()  # each example alone on the surfaces
    uri = f"urn:dpa:any:{next(numbers)}"
    ingest_bytes(
        feeds["meridian"],
        dpa_item(uri, f"Derby {agency}", f"dpa {agency}", lead=agency),
        "any.json",
    )
    story = Story.objects.get(item_id=uri, state=Story.State.PUBLISHED)
    if "<" not in agency and "&" not in agency:  # else perhaps markup: read as HTML
        assert story.headline == fold(without_uncarried(f"Derby {agency}"))
    body = f"Für Lucien {desk}\r\nFavre"
    with contextlib.suppress(editorial.NothingToCorrect):
        editorial.correct(
            story.pk, editor, "Desk words", headline=f"Derby {desk}", byline=desk, body_text=body
        )
    story.refresh_from_db()
    assert story.headline == fold(without_uncarried(f"Derby {desk}"))
    assert story.body_text == without_uncarried(body.replace("\r\n", "\n").replace("\r", "\n"))
    for text in (story.headline, story.byline, story.body_text, story.body_html, story.teaser):
        assert_carried(text, "the stored story")
    read = read_every_surface(client)
    assert story.headline in news_titles(read)
