"""A feed that strict XML parsing refuses is repaired, or recovered, and says so (issue 33).

Each fixture under tests/data/quirks/ carries one slip every feed reader
forgives; the repairs in `wiredesk.wire.repair.REPAIRS` mend it, the items
come out with their values, and the repair is recorded with the delivery,
printed by `wiredesk inspect --explain`, shown on the desk and counted on
the feeds board. Agency formats stay strict unless their feed says so.
"""

from __future__ import annotations

import logging
import re
import select
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiredesk.cli import main
from wiredesk.ingest.models import Quarantine
from wiredesk.ingest.pipeline import ingest_bytes
from wiredesk.stories.models import Delivery, Story
from wiredesk.wire import ParseError, normalize
from wiredesk.wire.formats import read
from wiredesk.wire.repair import ALL_REPAIRS, REPAIRS, repair_xml
from wiredesk.wire.xmlsafe import parse_xml_recovering

from .conftest import DATA
from .desk_users import DESK_PERMISSIONS, staff

QUIRKS = DATA / "quirks"


def reading(name: str, **kwargs):
    return read((QUIRKS / name).read_bytes(), **kwargs)


def repairs_of(name: str) -> list[tuple[str, str]]:
    return [(r.name, r.detail) for r in reading(name).repairs]


# -- Each repair restores the items --------------------------------------------------------


def test_undeclared_prefixes_are_declared_and_their_elements_read():
    found = reading("rss-undeclared-media-prefix.xml")
    assert [(r.name, r.detail) for r in found.repairs] == [
        ("declared-prefixes", "content, dc, itunes, media")
    ]
    item = normalize(found.items[0])
    assert item.item_id == "harbour-2026-1101"
    assert item.headline == "Ferry service resumes after storm"
    assert item.link == "https://harbour.example/2026/ferry-resumes"
    assert item.byline == "Ana Ruiz"  # dc:creator
    assert "<b>resumed</b>" in item.body_html  # content:encoded
    assert item.body_text == "The ferry resumed at dawn."
    assert [p.href for p in item.pictures] == ["https://harbour.example/img/ferry.jpg"]


def test_a_backspace_in_a_title_and_a_control_reference_are_dropped():
    found = reading("rss-backspace-in-title.xml")
    assert [(r.name, r.detail) for r in found.repairs] == [
        ("dropped-control-characters", "2 characters")
    ]
    item = normalize(found.items[0])
    assert item.headline == "Port reopens to container ships"
    assert item.link == "https://harbour.example/2026/port-reopens"
    assert item.body_text == "Cranes are back at work on the north quay."


def test_a_bare_ampersand_is_escaped_and_copy_without_semicolon_is_no_entity():
    found = reading("rss-bare-ampersand-in-url.xml")
    assert [(r.name, r.detail) for r in found.repairs] == [("escaped-ampersands", "3 ampersands")]
    item = normalize(found.items[0])
    assert item.link == "https://harbour.example/story?a=1&copy=2"  # not "?a=1©=2"
    assert item.item_id == "https://harbour.example/story?a=1&copy=2"
    assert item.headline == "Fish & chips shop wins award"
    # An escaped ampersand is left alone, and a CDATA section's is the character it is.
    assert item.body_text == "Salt & vinegar, and a CDATA & left as it is."


def test_legacy_entity_names_without_their_semicolon_are_read_as_characters():
    found = reading("rss-legacy-entity-names.xml")
    assert [(r.name, r.detail) for r in found.repairs] == [("legacy-entity-names", "3 names")]
    item = normalize(found.items[0])
    assert item.headline == "Café owner honoured"
    assert item.body_text == "© 2026 Harbour Wire. Prices held , café at the pier."
    assert "held\xa0," in found.items[0].body_html  # a no-break space, as sent


def test_atom_and_rss1_are_repaired_too():
    atom = reading("atom-control-character-and-undeclared-prefix.xml")
    assert atom.format == "atom"
    assert [r.name for r in atom.repairs] == [
        "declared-prefixes",
        "dropped-control-characters",
        "escaped-ampersands",
    ]
    entry = normalize(atom.items[0])
    assert entry.headline == "Bridge opens to cyclists"
    assert entry.link == "https://harbour.example/bridge?from=north&to=south"
    assert [p.href for p in entry.pictures] == ["https://harbour.example/img/bridge.jpg"]
    rss1 = reading("rss1-bare-ampersand-in-link.xml")
    assert rss1.format == "rss1"
    assert [(r.name, r.detail) for r in rss1.repairs] == [
        ("declared-prefixes", "dc"),
        ("escaped-ampersands", "2 ampersands"),
    ]
    item = normalize(rss1.items[0])
    assert item.item_id == item.link == "https://harbour.example/read?id=1401&lang=en"
    assert item.first_created is not None and item.first_created.year == 2026  # dc:date


def test_a_truncated_feed_is_recovered_and_only_whole_items_are_kept():
    found = reading("rss-truncated-needs-recovery.xml")
    assert [(r.name, r.detail) for r in found.repairs] == [("recovered", "2 items kept, 1 dropped")]
    items = [normalize(item) for item in found.items]
    assert [(i.item_id, i.headline, i.body_text) for i in items] == [
        ("harbour-2026-1201", "Lighthouse restored", "The lighthouse shines again."),
        ("harbour-2026-1202", "Regatta moved to Sunday", "Wind forecast moves the race."),
    ]
    assert not found.failures  # the cut item is dropped, not quarantined as an item


def test_a_json_feed_with_trailing_commas_is_read():
    data = (
        b'\xef\xbb\xbf{"version": "https://jsonfeed.org/version/1.1", "title": "H",'
        b' "items": [{"id": "j-1", "title": "Dock, quay", "content_text": "Tide, [high],",},],}'
    )
    found = read(data)
    assert [(r.name, r.detail) for r in found.repairs] == [("trailing-commas", "3 commas")]
    item = normalize(found.items[0])
    assert (item.headline, item.body_text) == ("Dock, quay", "Tide, [high],")


def test_a_well_formed_feed_is_read_strictly_with_no_repair():
    found = read((DATA / "wild" / "rss2-media-and-dublin-core-metadata.xml").read_bytes())
    assert found.items and found.repairs == []


def test_repairs_are_applied_only_where_their_pattern_finds_a_slip():
    clean = (
        b'<rss xmlns:media="http://search.yahoo.com/mrss/"><a href="?x=1&amp;y=2">&#233;</a></rss>'
    )
    assert repair_xml(clean) == (clean, [])


# -- Agency formats stay strict unless the feed says so -------------------------------------

G2_WITH_SLIPS = (
    b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:g2:slip" version="1">'
    b'<itemMeta><itemClass qcode="ninat:text"/><versionCreated>2021-10-14T04:00:00Z'
    b'</versionCreated><pubStatus qcode="stat:usable"/></itemMeta><contentMeta>'
    b"<headline>Fish &copy=2 \x08chips</headline></contentMeta><contentSet>"
    b'<inlineXML contenttype="application/nitf+xml"><nitf><body><body.content><p>Copy.</p>'
    b"</body.content></body></nitf></inlineXML></contentSet></newsItem>"
)


def test_an_agency_format_with_the_same_slip_is_refused_with_a_clear_reason():
    with pytest.raises(ParseError) as refused:
        read(G2_WITH_SLIPS)
    assert "malformed XML" in str(refused.value)
    assert "agency formats are read strictly" in str(refused.value)
    assert "repair_xml" in str(refused.value)
    repaired = read(G2_WITH_SLIPS, repair=True)
    assert repaired.format == "newsmlg2"
    assert repaired.items[0].headline == "Fish &copy=2 chips"
    assert [r.name for r in repaired.repairs] == [
        "dropped-control-characters",
        "escaped-ampersands",
    ]


def test_an_agency_delivery_is_quarantined_unless_its_feed_says_repair(feeds):
    feed = feeds["ians"]
    report = ingest_bytes(feed, G2_WITH_SLIPS, "slip.xml")
    assert report.quarantined and "agency formats are read strictly" in report.quarantined
    assert "agency formats are read strictly" in Quarantine.objects.get(origin="slip.xml").reason
    feed.repair_xml = True
    feed.save()
    report = ingest_bytes(feed, G2_WITH_SLIPS, "slip-again.xml")
    assert report.ok and Story.objects.get(item_id="urn:g2:slip").headline == "Fish &copy=2 chips"
    delivery = Delivery.objects.get(origin="slip-again.xml")
    assert delivery.repairs == [
        ["dropped-control-characters", "1 character"],
        ["escaped-ampersands", "1 ampersand"],
    ]


# -- Recorded with the delivery, logged, explained, shown and counted -----------------------


def test_the_pipeline_stores_and_logs_the_repairs_with_the_delivery(feeds, caplog):
    with caplog.at_level(logging.INFO, logger="wiredesk.ingest"):
        report = ingest_bytes(
            feeds["harbour"], (QUIRKS / "rss-undeclared-media-prefix.xml").read_bytes(), "a.xml"
        )
    assert report.ok and Story.objects.get(item_id="harbour-2026-1101").byline == "Ana Ruiz"
    assert Delivery.objects.get(origin="a.xml").repairs == [
        ["declared-prefixes", "content, dc, itunes, media"]
    ]
    assert "read with repairs: declared-prefixes: content, dc, itunes, media" in caplog.text


def test_a_clean_delivery_records_no_repair(feeds):
    ingest_bytes(feeds["harbour"], (DATA / "wire" / "rss2-no-guid-uses-link.xml").read_bytes(), "c")
    assert Delivery.objects.get(origin="c").repairs == []


def test_inspect_explain_prints_the_repairs(capsys):
    status = main(
        [
            "inspect",
            "--explain",
            str(QUIRKS / "rss-truncated-needs-recovery.xml"),
            str(QUIRKS / "rss-bare-ampersand-in-url.xml"),
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0 and len(out.splitlines()) == 3
    assert "rss-truncated-needs-recovery.xml: repaired: recovered: 2 items kept, 1 dropped" in err
    assert "rss-bare-ampersand-in-url.xml: repaired: escaped-ampersands: 3 ampersands" in err


def test_inspect_repairs_an_agency_file_only_when_asked(tmp_path, capsys):
    path = tmp_path / "slip.xml"
    path.write_bytes(G2_WITH_SLIPS)
    assert main(["inspect", str(path)]) == 1
    assert "agency formats are read strictly" in capsys.readouterr().err
    assert main(["inspect", "--explain", "--repair-xml", str(path)]) == 0
    assert "repaired: escaped-ampersands: 1 ampersand" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_the_desk_shows_the_repairs_and_the_feeds_board_counts_them(client, feeds):
    client.force_login(staff("alice", *DESK_PERMISSIONS))
    feed = feeds["harbour"]
    for name in ("rss-undeclared-media-prefix.xml", "rss-backspace-in-title.xml"):
        assert ingest_bytes(feed, (QUIRKS / name).read_bytes(), name).ok
    ingest_bytes(feed, (DATA / "wire" / "rss2-no-guid-uses-link.xml").read_bytes(), "clean.xml")
    story = Story.objects.get(item_id="harbour-2026-1101")
    html = client.get(f"/desk/story/{story.pk}/").content.decode()
    assert "Read with repairs" in html
    assert "<code>declared-prefixes</code>: content, dc, itunes, media" in html
    delivery = Delivery.objects.get(origin="rss-undeclared-media-prefix.xml")
    raw = client.get(f"/desk/delivery/{delivery.pk}/raw")
    assert raw["X-Wiredesk-Repairs"] == "declared-prefixes: content, dc, itunes, media"
    board = client.get("/desk/feeds/").content.decode()
    row = re.search(r'<tr id="feed-harbour-inbox".*?</tr>', board, re.DOTALL)
    assert row and "read with repairs: 2 this week" in row.group(0)
    quiet = re.search(r'<tr id="feed-ians-inbox".*?</tr>', board, re.DOTALL)
    assert quiet and "read with repairs" not in quiet.group(0)


# -- As safe as a clean delivery ------------------------------------------------------------


def test_a_broken_feed_declaring_entities_is_refused_after_recovery_without_expanding():
    data = (QUIRKS / "rss-broken-with-doctype-entities.xml").read_bytes()
    started = time.monotonic()
    with pytest.raises(ParseError, match="declares entities"):
        read(data)
    assert time.monotonic() - started < 2
    root, _ = _recovered_despite_entities(data)
    text = "".join(root.itertext())
    assert "root:" not in text and "lollol" not in text  # neither /etc/passwd nor the bomb


def _recovered_despite_entities(data: bytes):
    """Run the recovering parser and return its root, though it refuses declared entities."""
    from lxml import etree

    from wiredesk.wire import xmlsafe

    parser = xmlsafe._recovering_parser()
    root = etree.fromstring(data, parser)
    assert root is not None
    return root, parser


def test_the_recovering_parser_never_reaches_the_network():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        data = (
            f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/rss.dtd" ['
            f'<!ENTITY remote SYSTEM "http://127.0.0.1:{port}/secret">]>'
            "<rss><channel><item><guid>1</guid><title>&remote; & <media:x/>"
        ).encode()
        with pytest.raises(ParseError, match="declares entities"):
            read(data)
        root, _ = _recovered_despite_entities(data)
        assert "secret" not in "".join(root.itertext())
        ready, _, _ = select.select([listener], [], [], 0.2)
        assert ready == []  # nobody connected
    finally:
        listener.close()


def test_the_recovering_parser_keeps_the_strict_parsers_guards():
    bomb = (DATA / "wire" / "billion-laughs.xml").read_bytes().replace(b"</rss>", b"")
    started = time.monotonic()
    with pytest.raises(ParseError, match="declares entities"):
        parse_xml_recovering(bomb)
    deep = b"<rss><channel><item>" + b"<a>" * 300_000
    root, mended = parse_xml_recovering(deep)
    depth, element = 0, root
    while len(element):
        depth, element = depth + 1, element[0]
    # libxml2's depth limit holds (huge_tree off: 256 levels, 2,048 with it on).
    assert depth <= 256 and mended
    assert time.monotonic() - started < 5


MUTATIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=4000),
        st.sampled_from(
            [
                b"",
                b"&",
                b"\x08",
                b"<",
                b"<media:x>",
                b"&nbsp",
                b"]]>",
                b"<!ENTITY e SYSTEM 'x'>",
                b"&#0;",
                b"\x00",
                b"<![CDATA[",
                b"&copy=",
                b"</item>",
            ]
        ),
    ),
    max_size=8,
)
FEED_SAMPLES = sorted(p.name for p in QUIRKS.glob("rss*.xml")) + sorted(
    p.name for p in QUIRKS.glob("atom*.xml")
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(FEED_SAMPLES), mutations=MUTATIONS)
def test_repair_and_recovery_of_mutated_feeds_raise_only_parse_error(name, mutations):
    data = bytearray((QUIRKS / name).read_bytes())
    for where, what in mutations:
        data[where:where] = what
    try:
        found = read(bytes(data))
    except ParseError:
        return
    for item in found.items:
        assert item.item_id and "/etc/passwd" not in item.to_json()


# -- The table and the docs -----------------------------------------------------------------


def test_docs_list_every_repair_in_the_table():
    formats_md = (DATA.parent.parent / "docs" / "formats.md").read_text()
    section = formats_md.split("## Repairs", 1)[1].split("\n## ", 1)[0]
    for name, _ in ALL_REPAIRS:
        assert f"`{name}`" in section, name
    assert "never repaired" in section
    assert len({r.name for r in REPAIRS}) == len(REPAIRS)
