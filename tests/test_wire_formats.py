"""Wire formats: detection by content, each format's mapping, and bad input refused clearly."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiredesk.wire import ParseError, detect, normalize, parse
from wiredesk.wire.formats import MAX_DELIVERY_BYTES

from .conftest import DATA, DELIVERIES, SEED_V1, SEED_V2

WIRE = DATA / "wire"
KOLKATA = ZoneInfo("Asia/Kolkata")


def one(path, zone=KOLKATA):
    [item] = parse(path.read_bytes())
    return normalize(item, zone)


def test_format_is_detected_from_content_not_file_name():
    assert detect((WIRE / "rss2-disguised-as.json").read_bytes()) == "rss2"
    assert detect((DELIVERIES / "0003-harbour-101.xml").read_bytes()) == "atom"
    assert detect((DELIVERIES / "0004-meridian-5001.json").read_bytes()) == "jsonfeed"
    assert detect((DELIVERIES / "0005-northline-9001.rdf").read_bytes()) == "rss1"


def test_named_format_that_does_not_match_the_content_is_an_error():
    with pytest.raises(ParseError, match="expected atom, got rss2"):
        parse(SEED_V1.read_bytes(), "atom")


def test_rss2_seed_item_maps_every_field():
    item = one(SEED_V2)
    assert item.format == "rss2"
    assert item.item_id == "IANS-WORLD-20211014-0939-US-SKOREA-DIALOGUE"
    assert item.first_created.isoformat() == "2021-10-14T09:39:03+05:30"
    assert item.version_created.isoformat() == "2021-10-14T09:50:13+05:30"
    assert item.version == "2021-10-14T09:50:13+05:30"  # the version time, none being sent
    assert item.dateline == "Seoul, Oct 14"
    assert item.located == "Seoul"
    assert item.byline == "IANS"
    assert item.language == "en"
    assert item.subjects == [{"name": "World"}, {"name": "Korea"}]
    assert item.pub_status == "usable" and item.signal is None and not item.is_advisory


def test_rss2_without_version_time_gets_a_content_hash_version():
    item = one(SEED_V1)
    assert item.version_created is None
    assert item.version.startswith("sha256:")
    assert one(SEED_V1).version == item.version  # stable: same words, same version


def test_rss2_item_without_guid_is_identified_by_its_link():
    item = one(WIRE / "rss2-no-guid-uses-link.xml")
    assert item.item_id == "https://agence.example/depeche/4411"
    assert item.headline == "Marché : les prix du café reculent"
    assert (
        item.first_created.isoformat()
        == "2021-10-14T14:05:00+00:00"[:0] + "2021-10-13T14:05:00+00:00"
    )
    assert item.language == "fr"


def test_declared_iso_8859_1_encoding_is_honoured():
    item = one(WIRE / "rss2-iso-8859-1.xml")
    assert item.headline == "Café crème"
    assert item.body_text == "Zürich, Oct 13 Café prices fell."


def test_rss1_rdf_items_use_rdf_about_and_dc_terms():
    items = [normalize(i) for i in parse((DELIVERIES / "0005-northline-9001.rdf").read_bytes())]
    assert [i.item_id for i in items] == [
        f"https://northline.example/wire/{n}" for n in (9001, 9002, 9003)
    ]
    assert items[0].byline == "Northline"
    assert items[0].first_created.isoformat() == "2021-10-13T10:34:00+05:30"
    assert items[0].dateline == "SINGAPORE, 13 Oct"
    assert items[0].located == "Singapore"


def test_atom_html_title_and_xhtml_content():
    item = one(WIRE / "atom-xhtml-content.xml")
    assert item.item_id == "urn:example:story:1"
    assert item.headline == "Markets rally & close higher"
    assert item.byline == "Example Agency"  # the feed's author, the entry having none
    assert item.first_created.isoformat() == "2021-10-14T09:00:00+02:00"
    assert item.version == "2021-10-14T09:30:00+02:00"
    assert (
        item.body_html
        == "<p>BERLIN, Oct 14 (EA) - Shares rose on <em>Thursday</em>.</p><p>Second paragraph.</p>"
    )
    assert item.dateline == "BERLIN, Oct 14 (EA)"


def test_json_feed_1_0_numeric_id_and_plain_text():
    item = one(WIRE / "jsonfeed-numeric-id.json")
    assert item.item_id == "42"
    assert item.byline == "Example Wire"
    assert item.body_html == "<p>Line one.</p><p>Line two.</p>"


def test_times_without_offset_take_the_agency_zone():
    data = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '
        b'[{"id": "a", "title": "x", "content_text": "y", "date_published": "2021-10-14T09:39:03"}]}'
    )
    [item] = parse(data)
    assert normalize(item, KOLKATA).first_created.isoformat() == "2021-10-14T09:39:03+05:30"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "delivery is empty"),
        (b"   \n", "delivery is empty"),
        (b"<rss><channel><item>", "malformed XML"),
        ((WIRE / "xxe.xml").read_bytes(), "declares entities"),
        ((WIRE / "billion-laughs.xml").read_bytes(), "declares entities"),
        (b'{"uri": "x"}', "ninjs has no text item"),
        (b'{"title": "a JSON document, but not ninjs"}', "unknown format: JSON dict"),
        (b'{"version": "https://jsonfeed.org/version/1.1"', "malformed JSON"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "no `items` list"),
        (b'\xff\xfe{"a": 1}', "not XML, JSON or teletype"),
        (b"<html><body>not a feed</body></html>", "unknown format: XML with root <html>"),
        (b"<rss><item><title>x</title></item></rss>", "no <channel>"),
        (
            b'<rss version="2.0"><channel><item><title>no id</title></item></channel></rss>',
            "no identity",
        ),
        (b"[" * 100000, "nested too deeply"),
    ],
)
def test_bad_input_is_a_parse_error_with_a_one_line_reason(data, reason):
    with pytest.raises(ParseError) as caught:
        parse(data)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_entities_are_never_expanded_into_text():
    with pytest.raises(ParseError):
        parse((WIRE / "xxe.xml").read_bytes())


def test_delivery_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(ParseError, match="over the"):
        parse(b"<" + b" " * MAX_DELIVERY_BYTES)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_parser_fuzz_arbitrary_bytes_raise_only_parse_error(data):
    try:
        items = parse(data)
    except ParseError:
        return
    for item in items:
        normalize(item)


FEED_BITS = st.sampled_from(
    [
        "<rss>",
        "<rss version='2.0'>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        "<guid>",
        "</guid>",
        "<title>",
        "</title>",
        "<pubDate>",
        "</pubDate>",
        "<description>",
        "</description>",
        "<feed xmlns='http://www.w3.org/2005/Atom'>",
        "<entry>",
        "</entry>",
        "<id>",
        "</id>",
        "x",
        "Mon, 99 Foo 2021",
        "2021-13-45T99:00:00",
        "&amp;",
        "&lt;p&gt;",
        "</feed>",
        "</rss>",
        "<content type='xhtml'>",
        "</content>",
        "<link href='h'/>",
        "<category term=''/>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(FEED_BITS, max_size=40))
def test_parser_fuzz_feed_shaped_xml_raises_only_parse_error(bits):
    try:
        items = parse("".join(bits).encode())
    except ParseError:
        return
    for item in items:
        normalize(item)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
ITEM_KEYS = st.sampled_from(
    [
        "id",
        "url",
        "title",
        "content_html",
        "content_text",
        "summary",
        "date_published",
        "date_modified",
        "authors",
        "author",
        "tags",
        "language",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(ITEM_KEYS, JSON_VALUES, max_size=8), max_size=5))
def test_parser_fuzz_json_feed_items_raise_only_parse_error(items):
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": items}
    try:
        parsed = parse(json.dumps(document).encode())
    except ParseError:
        return
    for item in parsed:
        normalize(item)


def test_item_replace_is_dataclasses_replace():
    import dataclasses

    item = parse(SEED_V1.read_bytes())[0]
    changes = {"headline": "Changed", "signal": "kill", "is_advisory": True}
    quick, reference = item.replace(**changes), dataclasses.replace(item, **changes)
    assert quick == reference and quick is not item
    assert quick.__dict__ == reference.__dict__ and item.headline != "Changed"
    with pytest.raises(TypeError, match="no field 'heading'"):
        item.replace(heading="x")
