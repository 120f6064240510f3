"""NewsML 1.2, NITF and NewsML-G2 are read in two steps (docs/design.md, "wire format").

The first step walks the XML into a frozen record of what the document says,
as written: texts, attribute values and QCodes untouched, every repeated line
kept in order. The second, `adapt`, takes every decision: which headline
wins, the identity, status, urgency, signal, embargo, the body's HTML. So a
record read from a real sample holds the sample's raw values, and `adapt`
given a record made by hand shows each policy on its own.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from wiredesk.wire import ParseError, newsml12, newsmlg2, nitf
from wiredesk.wire.xmlpaths import namespace_of
from wiredesk.wire.xmlsafe import parse_xml

DATA = Path(__file__).resolve().parent / "data"
AFP = DATA / "iptc" / "agency-samples" / "afp.com_newsml1.2_sample.xml"
NTB = DATA / "iptc" / "agency-samples" / "NTB_nitf_sample.xml"
TT = DATA / "iptc" / "agency-samples" / "TT_newsmlg2_sample.xml"
G2_ITEM = DATA / "iptc" / "newsml-g2" / "LISTING_1_A_NewsML-G2_News_Item.xml"
NITF_QUIRK = DATA / "quirks" / "nitf-namespaced-embargo-correction.xml"
SLUGLINES = DATA / "wild" / "newsml12-slugline-and-keyword-line.xml"


def records_of(path: Path) -> list:
    """Return the records the first step reads from a sample of any of the three formats."""
    try:
        root = parse_xml(path.read_bytes())
    except ParseError:
        return []
    if newsml12.sniff(root):
        return [newsml12.read_news_item(item) for item in root.iter("NewsItem")]
    if nitf.sniff(root):
        return [nitf.read_document(root)]
    if newsmlg2.sniff(root):
        ns = namespace_of(root)
        prefix = len(ns) + 2 if ns else 0
        return [
            newsmlg2.read_item(item, prefix)
            for item in root.iter()
            if isinstance(item.tag, str) and item.tag[prefix:] == "newsItem"
        ]
    return []


news_items = g2_items = records_of


def element(xml: str) -> etree._Element:
    return etree.fromstring(xml)


# -- NewsML 1.2 ---------------------------------------------------------------


def test_newsml12_record_holds_the_afp_sample_as_written():
    [record] = news_items(AFP)
    assert record.public_identifier == "urn:newsml:afp.com:20210516T080625Z:TX-PAR-WGF71:1"
    assert (
        record.provider_id,
        record.news_item_id,
        record.revision_id,
        record.revision_update,
    ) == (
        "afp.com",
        "TX-PAR-WGF71",
        "1",
        "N",
    )
    assert record.name_label == "Israel-Palestinians-conflict"
    # FormalNames and times as AFP writes them: no status mapped, no time read.
    assert (record.status, record.urgency) == ("Usable", "4")
    assert record.first_created == record.this_revision_created == "20210516T080625+0000"
    # The dateline with the dash that leads into the text, every NewsLine with its type.
    assert record.datelines == ("Gaza City, Palestinian Territories, May 16, 2021 (AFP) -",)
    assert record.headlines == ("Israel strikes key Hamas targets as UN Security Council to meet",)
    assert record.news_lines == (
        (
            "AdvisoryLine",
            "RECASTS with attack on Hamas targets, RAISES Gaza death toll, UPDATES throughout",
        ),
        ("ProductLine", "(Picture+Video+Graphic)"),
    )
    assert (
        record.creator == "Adel Zaanoun with Guillaume Lavallee in Jerusalem "
    )  # the space is AFP's
    assert (record.language, record.city, record.xml_lang) == ("en", "Gaza City", "en")
    assert record.subject_codes[:2] == ("16000000", "16002000") and len(record.subject_codes) == 6
    # Every Keyword property, the ones with a Role (the people in AFP's pictures) too.
    assert record.keywords[:3] == (("Israel", None), ("Palestinians", None), ("conflict", None))
    assert ("Joe Biden", "PersonInImage") in record.keywords
    assert record.text is not None and record.text.tag == "DataContent"


def test_newsml12_adapt_makes_the_afp_item_from_the_record():
    [record] = news_items(AFP)
    item = newsml12.adapt(record)
    assert (
        item.item_id == "urn:newsml:afp.com:20210516T080625Z:TX-PAR-WGF71"
    )  # the revision cut off
    assert item.dateline == "Gaza City, Palestinian Territories, May 16, 2021 (AFP)"
    assert item.byline == "Adel Zaanoun with Guillaume Lavallee in Jerusalem"
    assert item.ednote.startswith("RECASTS") and "Picture" not in item.ednote
    assert item.keywords == ["Israel", "Palestinians", "conflict"]
    assert item.subjects[0] == {"code": "subj:16000000", "name": "16000000"}
    assert item.first_created == datetime(2021, 5, 16, 8, 6, 25, tzinfo=UTC)
    assert item.pub_status == "usable" and item.urgency == 4 and item.signal is None


def test_newsml12_record_keeps_every_slugline_and_keyword_line():
    first, second = news_items(SLUGLINES)
    assert (first.sluglines, first.keyword_lines, first.name_label) == (
        ("BC-Storm-Coast",),
        ("storm, coast",),
        "Storm-Coast",
    )
    assert (second.sluglines, second.keyword_lines, second.name_label) == (
        (),
        ("Storm-Ports",),
        None,
    )


TEXT = "<DataContent>PORT TOWN, Oct 14 A storm neared the coast.</DataContent>"


def newsml12_record(**fields) -> newsml12.NewsML12Record:
    base = {"has_identifier": True, "news_item_id": "X-1", "provider_id": "p", "date_id": "d"}
    return newsml12.NewsML12Record(**{**base, "text": element(TEXT), **fields})


def test_newsml12_adapt_chooses_among_the_lines_the_record_holds():
    item = newsml12.adapt(
        newsml12_record(
            headlines=(None, "The first headline with words", "A second"),
            sluglines=("First-Slug", None, "Last-Slug"),
            datelines=(None, "PORT TOWN, Oct 14 -"),
            keyword_lines=("storm",),
            news_lines=(
                ("ProductLine", "(Picture)"),
                ("advisoryline", "UPDATES"),
                ("AdvisoryLine", None),
            ),
        )
    )
    assert item.headline == "The first headline with words"  # the first that says something
    assert item.slugline == "Last-Slug"  # the last SlugLine
    assert item.dateline == "PORT TOWN, Oct 14"  # the dash into the text cut off
    assert item.ednote == "UPDATES"  # advisories only, for the desk
    assert item.body_html == "<p>PORT TOWN, Oct 14 A storm neared the coast.</p>"
    assert item.item_id == "urn:newsml:p:d:X-1" and item.version == "1"


@pytest.mark.parametrize(
    ("fields", "slugline"),
    [({"name_label": "Label"}, "Label"), ({"keyword_lines": (None, "kw")}, "kw"), ({}, None)],
)
def test_newsml12_adapt_falls_back_from_slugline_to_name_label_to_keyword_line(fields, slugline):
    assert newsml12.adapt(newsml12_record(**fields)).slugline == slugline


def test_newsml12_adapt_reads_status_revision_and_keywords():
    killed = newsml12.adapt(newsml12_record(status="Canceled", revision_id="3"))
    assert (killed.pub_status, killed.signal, killed.version) == ("canceled", "kill", "3")
    updated = newsml12.adapt(newsml12_record(revision_update="U", status="Embargoed"))
    assert (updated.pub_status, updated.signal) == ("usable", "update")
    item = newsml12.adapt(
        newsml12_record(
            urgency="12345678901",  # no urgency, not a 5,000-digit number
            keywords=((" storm ", None), ("A Person", "PersonInImage"), ("", None), ("x", "")),
            subject_codes=("04000000", None),
            creator="  Jane   Doe ",
        )
    )
    assert item.urgency is None and item.keywords == ["storm", "x"]
    assert item.subjects == [{"code": "subj:04000000", "name": "04000000"}]
    assert item.byline == "Jane Doe"


def test_newsml12_adapt_refuses_a_record_without_identity_and_skips_one_without_text():
    with pytest.raises(ParseError, match="no NewsIdentifier"):
        newsml12.adapt(newsml12.NewsML12Record(text=element(TEXT)))
    with pytest.raises(ParseError, match="no NewsItemId"):
        newsml12.adapt(newsml12.NewsML12Record(has_identifier=True, text=element(TEXT)))
    assert newsml12.adapt(newsml12_record(text=None)) is None


# -- NITF ----------------------------------------------------------------------


def test_nitf_record_holds_the_ntb_sample_as_written():
    record = nitf.read_document(parse_xml(NTB.read_bytes()))
    assert (record.doc_id, record.du_key, record.du_version) == (
        "NTB5df9281a-a270-4dc5-a618-869bbc3bbca7_00",
        "india-korona-bygd",
        "1",
    )
    assert record.title == record.hedline == "Pandemien herjer på den legeløse indiske landsbygda"
    assert (record.byline, record.dateline, record.baselang) == ("NTB-AFP-DPA", "Unnao", "nb-NO")
    # Times as written (no offset: the agency's zone is normalize's to give).
    assert (record.issue_date, record.publication_date) == (
        "2021-05-16T09:00:04",
        "20210516T090004",
    )
    assert (record.urgencies, record.ed_msgs, record.keywords) == (
        ("5",),
        (("", None),),
        ("india-korona-bygd",),
    )
    assert record.subjects == (
        ("07001000", "Sykdom", None),
        ("07000000", None, "Medisin og helse"),
    )
    assert (record.management_status, record.correction, record.release_date) == (None, False, None)
    [content] = record.body_contents
    assert content.tag == "body.content"


def test_nitf_record_holds_the_quirk_sample_as_written():
    record = nitf.read_document(parse_xml(NITF_QUIRK.read_bytes()))  # in NITF's namespace
    assert (record.management_status, record.correction, record.xml_lang) == ("usable", True, "en")
    assert record.release_date == "20211015T110000+0530"
    assert record.ed_msgs == (("EMBARGOED until 11:00 IST Friday", None),)
    assert record.keywords == ("budget", "parliament")
    [media] = record.media
    assert media == nitf.NitfMedia(
        "image",
        (nitf.MediaReference("pic-9", None, None, "image/jpeg", None),),
        "Parliament House.",
        None,
    )
    item = nitf.adapt(record)
    assert (item.signal, item.embargoed_until) == (
        "correction",
        datetime(2021, 10, 15, 11, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    )
    assert item.pictures[0].href == "pic-9" and item.pictures[0].caption == "Parliament House."
    # The body's media made a figure, its reference dropped: the picture is read from the record.
    assert "<figcaption>Parliament House.</figcaption></figure>" in item.body_html
    assert "media-reference" not in item.body_html


def test_nitf_adapt_chooses_among_what_the_record_holds():
    item = nitf.adapt(
        nitf.NitfRecord(
            doc_id="DOC-1",
            title="The title",
            urgencies=("2", "x", None, "12345678901"),
            management_status=" Canceled ",
            ed_msgs=((None, "From the text"), ("From info", "not this"), ("", None)),
            issue_date="20211014T093903+0530",
            release_date="20211014T080000+0530",  # before the issue: no embargo
            subjects=(("07000000", None, "Medisin og helse"), (None, None, None), ("1", "", "")),
            keywords=("k", None, ""),
        )
    )
    assert item.item_id == "DOC-1" and item.version is None and item.slugline is None
    assert item.headline == "The title"  # no hedline
    assert item.urgency == 2  # the last that is a number
    assert item.pub_status == "canceled" and item.embargoed_until is None
    assert item.ednote == "From the text From info"
    assert item.subjects == [
        {"code": "07000000", "name": "Medisin og helse"},
        {"code": "1", "name": "1"},
    ]
    assert item.keywords == ["k"]
    assert item.first_created == item.version_created  # no pubdata: the issue time
    keyed = nitf.adapt(
        nitf.NitfRecord(doc_id="DOC-1", du_key="slug", du_version="4", hedline="Hed")
    )
    assert (keyed.item_id, keyed.version, keyed.slugline, keyed.headline) == (
        "slug",
        "4",
        "slug",
        "Hed",
    )
    with pytest.raises(ParseError, match="neither du-key nor doc-id"):
        nitf.adapt(nitf.NitfRecord(title="No identity"))


def test_nitf_picture_whose_source_is_written_with_spaces_keeps_its_alternate_text():
    # The href is trimmed for fetching; the reference it came from is still found.
    item = nitf.adapt(
        nitf.NitfRecord(
            doc_id="DOC-2",
            hedline="Hed",
            body_contents=(element("<body.content><p>Text.</p></body.content>"),),
            media=(
                nitf.NitfMedia(
                    "image",
                    (
                        nitf.MediaReference(" pic-small ", "300", None, "image/jpeg", "Small"),
                        nitf.MediaReference("  pic-large\n", "1200", None, "image/jpeg", "Large"),
                    ),
                    "A caption.",
                    "NTB",
                ),
            ),
        )
    )
    assert [(p.href, p.alt, p.width) for p in item.pictures] == [("pic-large", "Large", 1200)]


# -- NewsML-G2 -----------------------------------------------------------------


def test_g2_record_holds_the_iptc_item_as_written():
    [record] = g2_items(G2_ITEM)  # in NewsML-G2's namespace
    assert (record.guid, record.version, record.xml_lang) == (
        "urn:newsml:acmenews.com:20161018:US-FINANCE-FED",
        "11",
        "en-GB",
    )
    # QCodes and times as written: no status mapped, no time read, no signal chosen.
    assert (record.item_class, record.pub_status, record.signals) == (
        "ninat:text",
        "stat:usable",
        ("sig:update",),
    )
    assert (record.embargoed, record.content_created) == (
        "2018-10-23T12:00:00Z",
        "2016-10-18T11:12:00-05:00",
    )
    assert record.ed_notes[0].startswith("Note to editors: STRICTLY EMBARGOED.")
    assert (record.headlines, record.sluglines) == (
        ('Fed to halt QE to avert "bubble"',),
        ("US-Finance-Fed",),
    )
    assert record.bylines == (("creator", "Meredith Jameson"),)
    assert record.located == "Berlin"
    assert record.subjects == (
        ("medtop:04000000", "economy, business and finance"),
        ("medtop:20000523", "labour market"),
    )
    assert record.copyright_holders == ("Example Enews LLP",)
    assert record.copyright_notices == ("Copyright 2017-18 Example Enews LLP, all rights reserved",)
    assert record.usage_terms == "Not for use outside the United States"
    assert record.body is not None and record.body.tag.endswith("inlineXML")


def test_g2_record_holds_the_tt_picture_as_written():
    text, picture = g2_items(TT)
    assert (text.item_class, text.language, text.urgency) == ("ninat:text", "sv", "3")
    assert picture.item_class == "ninat:picture" and picture.body is None
    assert picture.descriptions[0][0] == "drol:caption"
    assert picture.remote_contents[0] == newsmlg2.RemoteContent(
        "https://beta.tt.se/media/text/210919-janguillou-879f202b/a001_NormalHires.jpg",
        "4928",
        "3280",
        "image/jpeg",
        "rnd:highRes",
    )
    assert len(picture.remote_contents) == 4
    item = newsmlg2.adapt(picture)
    assert item.kind == "picture" and item.pictures[0].width == 4928


def test_g2_adapt_chooses_among_what_the_record_holds():
    item = newsmlg2.adapt(
        newsmlg2.G2ItemRecord(
            guid="urn:x:1",
            headlines=("First headline", "Second"),
            sluglines=(None, "second-slug"),  # the first element counts, even an empty one
            bylines=(("creator", "Early Creator"), ("by", None), ("creator", "Late Creator")),
            signals=("sig:update", "", "x:kill", "sig:correction"),
            pub_status="stat:withheld",
            urgency=" 4 ",
            ed_notes=(None, "For the desk"),
            first_created=None,
            content_created="2021-10-14T09:00:00Z",
            keywords=("k", None),
            subjects=(("medtop:1", None), (None, None), (None, "Named")),
        ),
        inherited_lang="sv",
    )
    assert (item.headline, item.slugline, item.version) == ("First headline", None, "1")
    assert item.byline == "Early Creator"  # an empty by: the creator before it
    assert item.signal == "kill"  # the strongest signal
    assert (item.pub_status, item.urgency, item.ednote) == ("withheld", 4, "For the desk")
    assert item.first_created == datetime(2021, 10, 14, 9, 0, tzinfo=UTC)
    assert item.language == "sv" and item.keywords == ["k"]
    assert item.subjects == [{"code": "medtop:1", "name": "medtop:1"}, {"name": "Named"}]


def test_g2_adapt_names_the_class_of_an_item_with_nothing_to_publish():
    assert (
        newsmlg2.adapt(newsmlg2.G2ItemRecord(guid="urn:x:1", item_class="ninat:video")) == "video"
    )
    with pytest.raises(ParseError, match="no guid"):
        newsmlg2.adapt(newsmlg2.G2ItemRecord(item_class="ninat:text"))


def test_g2_adapt_makes_a_picture_from_its_record():
    record = newsmlg2.G2ItemRecord(
        guid="urn:pic:1",
        item_class="ninat:picture",
        headlines=("Headline of the picture",),
        descriptions=(("drol:alternativeText", "Alt text"), (None, "Caption"), (None, "Not this")),
        bylines=(("by", None), ("creator", "Not this one")),
        copyright_holders=("Holder",),
        copyright_notices=("(c) Agency", " (c) Last  notice "),
        remote_contents=(
            newsmlg2.RemoteContent(
                " https://x.example/small.jpg ", "640", None, "image/jpeg", None
            ),
            newsmlg2.RemoteContent("https://x.example/big.jpg", "2000", None, "image/jpeg", None),
        ),
    )
    item = newsmlg2.adapt(record)
    [picture] = item.pictures
    assert (item.kind, item.headline, picture.ref) == (
        "picture",
        "Headline of the picture",
        "urn:pic:1",
    )
    assert (picture.href, picture.width) == ("https://x.example/big.jpg", 2000)
    assert (picture.caption, picture.alt) == ("Caption", "Alt text")
    assert picture.byline is None  # the first by or creator, though empty
    assert picture.copyright == "(c) Last notice"  # the last notice, over any holder


# -- All three -----------------------------------------------------------------

SAMPLES = sorted(
    path for folder in ("iptc", "quirks", "wild", "wire") for path in (DATA / folder).rglob("*.xml")
)


def test_a_walk_fills_only_its_records_fields_and_the_record_is_frozen():
    seen = set()
    for path in SAMPLES:
        for record in records_of(path):
            names = {field.name for field in dataclasses.fields(record)}
            assert set(vars(record)) == names, path  # no field misspelt by the walk
            seen.add(type(record))
            with pytest.raises(dataclasses.FrozenInstanceError):
                record.guid = "changed"  # type: ignore[misc]
    assert seen == {newsml12.NewsML12Record, nitf.NitfRecord, newsmlg2.G2ItemRecord}


def test_a_record_made_by_hand_equals_the_one_read():
    [read] = news_items(SLUGLINES)[:1]
    by_hand = newsml12.NewsML12Record(**{name: getattr(read, name) for name in vars(read)})
    assert by_hand == read
    assert newsml12.adapt(by_hand) == newsml12.adapt(read)
