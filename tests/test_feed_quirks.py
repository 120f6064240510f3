"""What feeds and agency files in the wild send: each test is named after the quirk it pins down.

Fixtures in tests/data/wild/ were written for these tests, one file a quirk.
"""

from __future__ import annotations

import logging
import subprocess
import sys

import lxml.html
import pytest

from wiredesk.wire import ParseError, normalize, parse
from wiredesk.wire.formats import read

from .conftest import DATA

WILD = DATA / "wild"


def items_of(name: str, **options) -> list:
    return [normalize(item) for item in parse((WILD / name).read_bytes(), **options)]


def one(name: str, **options):
    [item] = items_of(name, **options)
    return item


def tags_in(fragment: str) -> set[str]:
    root = lxml.html.fragment_fromstring(fragment or "<p></p>", create_parent="div")
    return {el.tag for el in root.iter() if isinstance(el.tag, str)} - {"div"}


# -- 1. Markup shown to readers as text ---------------------------------------------------


def test_wordpress_description_opening_with_an_img_is_markup_not_text():
    item = one("rss2-description-starts-with-img.xml")
    assert "<img" not in item.body_html and "&lt;img" not in item.body_html
    assert item.teaser.startswith("Schools in three districts")
    assert item.body_text == "Schools in three districts were closed on Monday after floods."


def test_title_whose_only_tags_are_unknown_ones_is_read_as_markup():
    assert one("rss2-title-in-blink.xml").headline == "Breaking Dam opens gates"


@pytest.mark.parametrize(
    ("position", "text"),
    [(0, "Java text."), (1, "equals two."), (2, "Styled copy."), (3, "Meta copy.")],
)
def test_descriptions_with_only_applet_mathml_link_or_meta_tags_are_sanitised(position, text):
    item = items_of("rss2-description-applet-mathml-link-meta.xml")[position]
    assert item.body_text.endswith(text)
    assert "<" not in item.teaser
    assert tags_in(item.body_html) <= {"p"}


def test_html_description_without_tags_has_its_references_decoded():
    item = one("rss2-description-entities-without-tags.xml")
    assert item.body_text == "Officials said they don\u2019t expect delays & costs."
    assert tags_in(item.body_html) == {"p"}


def test_headline_that_mentions_tags_keeps_every_word():
    assert one("rss2-headline-mentions-tags.xml").headline == "Browsers block <script> tags in ads"


def test_atom_text_title_is_never_read_as_markup():
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:t</id>'
        b'<title type="text">Use &lt;b&gt;bold&lt;/b&gt; &amp;amp; more</title>'
        b"<summary>x</summary></entry></feed>"
    )
    [item] = parse(data)
    assert item.headline == "Use <b>bold</b> &amp; more"


# -- 2. Whole deliveries lost ---------------------------------------------------------------


def test_namespace_uri_with_a_space_does_not_lose_the_delivery():
    assert one("rss2-namespace-uri-with-space.xml").headline == "Kept despite the namespace"


def test_rss2_in_userland_namespace_is_rss2_and_keeps_its_other_namespaces():
    item = one("rss2-userland-namespace.xml")
    assert (item.format, item.headline, item.byline) == ("rss2", "Userland item", "Ann Writer")


def test_rss091_with_netscape_doctype_and_html_entities():
    item = one("rss091-netscape-doctype-html-entities.xml")
    assert item.headline == "Caf\u00e9 reopens \u2014 at last"
    assert item.body_text == "The caf\u00e9 reopened."
    assert item.language == "fr"


def test_rss090_in_netscape_rdf_namespace():
    item = one("rss090-netscape-rdf.xml")
    assert (item.item_id, item.headline) == ("http://agency.example/090", "RSS 0.90 item")


def test_atom03_issued_modified_and_escaped_or_base64_content():
    escaped, base64 = items_of("atom03-issued-modified-escaped.xml")
    assert escaped.format == "atom"
    assert escaped.first_created.isoformat() == "2021-10-14T09:00:00+05:30"
    assert escaped.version_created.isoformat() == "2021-10-14T09:30:00+05:30"
    assert escaped.body_text == "Escaped copy." and "b" in tags_in(escaped.body_html)
    assert escaped.byline == "Atom Desk" and escaped.link == "http://agency.example/03"
    assert base64.body_text == "Base64 copy."


def test_atom_feed_without_its_namespace():
    item = one("atom-without-namespace.xml")
    assert (item.format, item.headline, item.link) == (
        "atom",
        "No namespace",
        "https://agency.example/nons",
    )


def test_ninjs1_identified_by_guid_with_offsets_without_colon():
    item = one("ninjs1-guid-without-uri.json")
    assert item.item_id == "urn:agency:ninjs1:77"
    assert item.version_created.isoformat() == "2021-10-14T09:39:03+00:00"
    assert item.first_created.isoformat() == "2021-10-14T09:00:00+00:00"


def test_json_with_a_guid_but_no_ninjs_field_is_still_not_ninjs():
    with pytest.raises(ParseError, match="unknown format"):
        parse(b'{"guid": "x", "colour": "blue"}')


def test_anpa_header_in_ap_layout_with_commas_and_digit_priority():
    item = one("anpa1312-ap-comma-header.txt")
    assert item.format == "anpa1312"
    assert item.slugline == "BC-US--Economy"
    assert item.version == "1st Ld-Writethru" and item.signal == "update"
    assert item.headline == "Economy grows faster than expected"
    assert item.urgency is None or 1 <= item.urgency <= 9


def test_anpa_header_without_story_number_or_word_count():
    item = one("anpa1312-header-without-date-and-story-number.txt")
    assert item.slugline == "BC-Storm-Ports"
    assert item.headline == "Ports close as storm nears"


# -- 3. Wrong encodings ---------------------------------------------------------------------


def test_utf8_file_labelled_iso_8859_1_is_read_as_utf8(caplog):
    with caplog.at_level(logging.INFO, logger="wiredesk.wire"):
        item = one("rss2-utf8-declared-latin1.xml")
    assert item.headline == "D\u00e9c\u00e8s d'un ancien ministre"
    assert "valid UTF-8" in caplog.text  # the decision is logged


def test_windows_1252_punctuation_in_a_file_labelled_iso_8859_1():
    item = one("rss2-cp1252-punctuation-declared-latin1.xml")
    assert item.headline == "Minister says \u201cwe don\u2019t know\u201d"
    assert item.body_text == "Prices rose \u2013 again\u2026 said the caf\u00e9."


def test_windows_1252_punctuation_in_a_file_labelled_utf8():
    assert (
        one("rss2-cp1252-punctuation-in-utf8.xml").headline == "Caf\u00e9 owners don\u2019t agree"
    )


def test_the_source_encoding_setting_still_wins():
    data = (WILD / "rss2-cp1252-punctuation-declared-latin1.xml").read_bytes()
    [item] = parse(data, encoding="iso-8859-1")  # what the publisher said, taken strictly
    assert "\x93" in item.headline


def test_inspect_explain_says_which_rule_decided_encoding_and_format():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "wiredesk.cli",
            "inspect",
            "--explain",
            str(WILD / "rss2-utf8-declared-latin1.xml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "encoding: declared iso-8859-1, but the bytes are valid UTF-8" in result.stderr
    assert "format: rss2, by its content: root <rss>" in result.stderr
    assert '"headline": "D\u00e9c\u00e8s' in result.stdout


# -- 4. Relative links ----------------------------------------------------------------------


def test_nested_xml_base_on_feed_entry_and_content_resolves_links():
    item = one("atom-xml-base-nested.xml")
    assert item.link == "https://agency.example/wire/2021/entry1"
    hrefs = [a.get("href") for a in lxml.html.fragment_fromstring(item.body_html).iter("a")]
    assert hrefs == ["https://agency.example/photos/gallery.html", "https://agency.example/about"]


def test_relative_links_resolve_against_the_feed_url():
    item = one(
        "rss2-relative-links-against-feed-url.xml", base_url="https://agency.example/feeds/rss.xml"
    )
    assert item.link == "https://agency.example/news/rel-1"
    assert 'href="https://agency.example/feeds/more.html"' in item.body_html


def test_relative_links_stay_as_sent_without_any_base():
    assert one("rss2-relative-links-against-feed-url.xml").link == "/news/rel-1"


# -- 5. Identity and links ------------------------------------------------------------------


def test_rss1_item_is_identified_by_rdf_about_not_its_link():
    item = one("rss1-identity-is-rdf-about.xml")
    assert item.item_id == "urn:agency:rdf:42"
    assert item.link == "https://agency.example/share?utm=1"


def test_permalink_guid_is_the_link_when_there_is_no_link():
    permalink, plain = items_of("rss2-permalink-guid-without-link.xml")
    assert permalink.link == "https://agency.example/stories/9"
    assert plain.link is None  # isPermaLink="false"


def test_atom_link_without_rel_written_as_text():
    assert one("atom-link-without-rel-with-text.xml").link == "https://agency.example/as-text"


def test_the_last_of_two_updated_elements_wins():
    item = one("atom-two-updated-last-wins.xml")
    assert item.version_created.isoformat() == "2021-10-14T11:00:00+00:00"


# -- 6. Metadata ----------------------------------------------------------------------------


def test_media_and_dublin_core_metadata_and_fallbacks():
    dublin, media = items_of("rss2-media-and-dublin-core-metadata.xml")
    assert dublin.headline == "Title from Dublin Core"
    assert dublin.body_text == "Description from Dublin Core."
    assert dublin.byline == "Asha Rao, Vikram Sen, Desk Editor"  # every dc:creator, dc:author
    assert dublin.first_created.isoformat() == "2021-10-14T09:00:00+05:30"
    assert dublin.version_created.isoformat() == "2021-10-14T09:45:00+05:30"
    assert dublin.keywords == ["election", "vote", "parliament"]
    assert {"name": "Politics", "scheme": "urn:agency:cat"} in dublin.subjects
    assert dublin.language == "hi"
    assert media.headline == "Title from Media RSS"
    assert media.body_text == "Description from Media RSS."
    assert media.subjects == [{"name": "Sport"}] and media.keywords == ["cricket"]


def test_category_name_does_not_swallow_a_nested_element():
    dublin, _ = items_of("rss2-media-and-dublin-core-metadata.xml")
    assert {"name": "World", "scheme": "urn:agency:sections"} in dublin.subjects


def test_language_on_the_feed_root():
    assert one("rss2-language-on-the-root.xml").language == "ta"


def test_rss1_every_dc_creator_and_language_on_the_root():
    item = one("rss1-identity-is-rdf-about.xml")
    assert (item.byline, item.language) == ("Kurt, Lena", "de")


def test_newsml12_slugline_else_name_label_else_keyword_line():
    with_slugline, with_keyword_line = items_of("newsml12-slugline-and-keyword-line.xml")
    assert with_slugline.slugline == "BC-Storm-Coast"
    assert with_keyword_line.slugline == "Storm-Ports"
    [afp] = parse((DATA / "iptc/agency-samples/afp.com_newsml1.2_sample.xml").read_bytes())
    assert afp.slugline == "Israel-Palestinians-conflict"  # AFP's NameLabel


def test_iptc7901_keyword_line_is_the_slugline_after_a_zczc_start():
    item = one("iptc7901-keyword-line-is-the-slug.txt")
    assert (item.slugline, item.headline) == ("ECONOMY-RATES", "Bank holds rates")


# -- 7. Edge cases --------------------------------------------------------------------------


def test_xhtml_title_with_a_script_leaves_the_script_out():
    assert one("atom-xhtml-title-with-script.xml").headline == "Safe title"


def test_self_closed_iframe_does_not_swallow_the_text_after_it():
    item = one("atom-xhtml-title-with-script.xml")
    assert item.body_text == "Before after the frame.\n\nNext paragraph."


# -- 8. Item-level quarantine ---------------------------------------------------------------


def test_item_without_identity_is_quarantined_alone():
    reading = read((WILD / "rss2-one-item-without-identity.xml").read_bytes())
    assert [i.item_id for i in reading.items] == ["good-1", "good-2"]
    [failure] = reading.failures
    assert failure.position == 2 and "no identity" in failure.reason
    assert b"Nothing names this item." in failure.data  # the item's own bytes are kept


def test_delivery_mixing_good_items_and_one_bad_one_through_a_watch_folder(feeds):
    from wiredesk.ingest.models import Quarantine
    from wiredesk.ingest.polling import FeedPoller
    from wiredesk.stories.models import Story
    from wiredesk.transports.folder import WatchFolder

    feed = feeds["meridian"]
    folder = WatchFolder(feed.location, settle_seconds=0)
    name = "rss2-one-item-without-identity.xml"
    (folder.path / name).write_bytes((WILD / name).read_bytes())
    [report] = FeedPoller(settle_seconds=0).poll(feed)
    assert report.ok and report.actions["published"] == 2 and report.actions["quarantined"] == 1
    assert sorted(Story.objects.values_list("headline", flat=True)) == ["Good one", "Good two"]
    [kept] = Quarantine.objects.all()
    assert "no identity" in kept.reason and b"Nothing names this item." in bytes(kept.data)
    assert (folder.processed / name).exists() and not (folder.failed / name).exists()
    reason = (folder.processed / f"{name}.reason.txt").read_text()
    assert "item 2" in reason and "no identity" in reason


def test_an_item_with_a_lone_surrogate_is_quarantined_alone_and_a_pair_is_kept():
    data = (
        b'[{"uri": "urn:pair", "type": "text", "headline": "Smile \\ud83d\\ude00"},'
        b' {"uri": "urn:lone", "type": "text", "headline": "Broken \\ud800 half"}]'
    )
    reading = read(data)
    assert [i.headline for i in reading.items] == ["Smile \U0001f600"]
    [failure] = reading.failures
    assert failure.item_id == "urn:lone" and "lone UTF-16 surrogate" in failure.reason


def test_any_exception_reading_one_item_becomes_that_items_failure():
    from wiredesk.wire.errors import guarded

    def explode(node):
        raise OverflowError("date value out of range")

    failure = guarded(explode, {"id": "x"}, 4, lambda node: b"raw", lambda node: node["id"])
    assert (failure.position, failure.item_id, failure.data) == (4, "x", b"raw")
    assert failure.reason == "unexpected OverflowError: date value out of range"


@pytest.mark.parametrize("urgency", ["\u00b2", "\u0663", "99999999999999999999"])
def test_urgency_in_other_digits_is_no_urgency_not_a_crash(urgency):
    data = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:u" version="1">'
        '<itemMeta><itemClass qcode="ninat:text"/></itemMeta><contentMeta>'
        f"<urgency>{urgency}</urgency><headline>Urgent?</headline></contentMeta></newsItem>"
    ).encode()
    [item] = parse(data)
    assert item.urgency is None and item.headline == "Urgent?"


def test_json_feed_relative_urls_resolve_against_its_feed_url():
    item = one("jsonfeed-relative-urls.json")
    assert item.link == "https://agency.example/news/jf-1"
    assert 'href="https://agency.example/feeds/more.html"' in item.body_html


# -- Times as feeds write them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Thu, 14 Oct 2021 09:39:03 +05:30", "2021-10-14T09:39:03+05:30"),  # ISO offset in RFC 822
        ("Thu, 14 Oct 2021 09:39:03 GMT+5:30", "2021-10-14T09:39:03+05:30"),
        ("Thu, 14 Oct 2021 09:39:03 UTC+05:30", "2021-10-14T09:39:03+05:30"),
        ("2021-10-14T09:39:03+5:30", "2021-10-14T09:39:03+05:30"),  # one-digit offset hour
        ("Thu, 14 Oct 2021 09:39:03 IST", "2021-10-14T09:39:03+05:30"),
    ],
)
def test_offsets_written_loosely_are_kept_not_dropped(written, read):
    from wiredesk.wire.times import parse_rfc822

    assert parse_rfc822(written).isoformat() == read


@pytest.mark.parametrize(
    "written",
    ["Fri, 31 Dec 9999 23:59:59 -1400", "0001-01-01T00:00:00+14:00", "1066-10-14T09:00:00Z"],
)
def test_a_time_no_agency_can_have_meant_is_no_time(written):
    from wiredesk.wire.times import parse_rfc822

    assert parse_rfc822(written) is None


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("language", "x" * 36, "language is 36 characters, over the 35 limit"),
        (
            "url",
            "https://agency.example/" + "a" * 2000,
            "link is 2,023 characters, over the 2,000 limit",
        ),
        ("version", "v" * 201, "version is 201 characters, over the 200 limit"),
    ],
)
def test_values_longer_than_their_columns_are_quarantined_alike_on_every_engine(
    feeds, field, value, reason
):
    import json

    from wiredesk.ingest.models import Quarantine
    from wiredesk.ingest.pipeline import ingest_bytes
    from wiredesk.stories.models import Story

    entry = {"id": "jf-long", "title": "Long", "content_text": "Copy.", field: value}
    if field == "version":
        data = json.dumps(
            {
                "uri": "urn:long",
                "type": "text",
                "headline": "Long",
                "body_text": "Copy.",
                "version": value,
            }
        ).encode()
    else:
        data = json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "W",
                "items": [entry, {"id": "jf-ok", "title": "Fine", "content_text": "Fine."}],
            }
        ).encode()
    report = ingest_bytes(feeds["meridian"], data, "long.json")
    assert reason in Quarantine.objects.get().reason
    assert Story.objects.filter(headline="Long").count() == 0
    assert report.actions["quarantined"] >= 1


def test_a_publication_time_years_ahead_is_quarantined_not_pinned_on_top(feeds):
    from wiredesk.ingest.models import Quarantine
    from wiredesk.ingest.pipeline import ingest_bytes
    from wiredesk.stories.models import Story

    data = (
        b'<rss version="2.0"><channel><title>W</title>'
        b"<item><guid>now</guid><title>Today</title><description>Copy.</description></item>"
        b"<item><guid>far</guid><title>Far ahead</title><description>Copy.</description>"
        b"<pubDate>Fri, 31 Dec 2999 23:59:59 +0000</pubDate></item></channel></rss>"
    )
    report = ingest_bytes(feeds["meridian"], data, "ahead.xml")
    assert report.ok and report.actions["quarantined"] == 1
    assert list(Story.objects.values_list("headline", flat=True)) == ["Today"]
    assert "more than a day ahead" in Quarantine.objects.get().reason


def test_a_canceled_item_left_in_a_feed_keeps_one_kill_notice(feeds):
    from datetime import UTC, datetime

    from wiredesk.ingest.pipeline import ingest_bytes
    from wiredesk.stories.models import KillNotice

    from .wire_builder import g2_item

    kill = g2_item("urn:left", 2, datetime(2021, 10, 14, 4, 0, tzinfo=UTC), status="canceled")
    for poll in range(4):  # the feed changes around it, the canceled item stays
        ingest_bytes(feeds["harbour"], kill + b"\n" * poll, f"poll-{poll}.xml")
    assert KillNotice.objects.filter(item_id="urn:left").count() == 1


# -- More that mature parsers read -------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be"])
def test_a_file_labelled_utf16_is_read_whatever_its_bytes(codec):
    text = (
        '<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><item>'
        "<guid>u16</guid><title>Caf\u00e9 opens</title></item></channel></rss>"
    )
    [item] = parse(text.encode(codec))  # 8-bit bytes labelled UTF-16, or UTF-16 without a BOM
    assert item.headline == "Caf\u00e9 opens"


@pytest.mark.parametrize(
    ("written", "byline"),
    [
        ("jane@agency.example (Jane Doe)", "Jane Doe"),
        ("Jane Doe <jane@agency.example>", "Jane Doe"),
        ("Jane Doe", "Jane Doe"),
        ("desk@agency.example", "desk@agency.example"),
    ],
)
def test_rss_author_gives_the_name_not_the_address(written, byline):
    data = (
        f'<rss version="2.0"><channel><item xml:lang="pt"><guid>a</guid><title>T</title>'
        f"<author>{written.replace('<', '&lt;').replace('>', '&gt;')}</author></item></channel></rss>"
    ).encode()
    [item] = parse(data)
    assert item.byline == byline and item.language == "pt"  # the item's own xml:lang too


def test_atom_author_without_a_name_is_known_by_its_address_and_content_lang_counts():
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:e</id><title>T</title>'
        b"<author><email>desk@agency.example</email></author>"
        b'<content type="text" xml:lang="sv">Text.</content></entry></feed>'
    )
    [item] = parse(data)
    assert (item.byline, item.language) == ("desk@agency.example", "sv")


def test_a_date_without_a_time_is_that_day():
    from wiredesk.wire.times import parse_rfc822

    assert parse_rfc822("Thu, 14 Oct 2021").isoformat() == "2021-10-14T00:00:00"
