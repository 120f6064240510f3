"""IPTC formats and teletype: the official examples field by field, and each agency quirk."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from wiredesk.cli import main
from wiredesk.wire import ParseError, normalize, parse

from .conftest import DATA

IPTC = DATA / "iptc"
QUIRKS = DATA / "quirks"
G2 = IPTC / "newsml-g2"
NINJS = IPTC / "ninjs"


def inspect(path: Path, capsys, *options: str) -> list[dict]:
    """Return what `wiredesk inspect` prints for `path`, one dict an item."""
    assert main(["inspect", *options, str(path)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def wrap_g2(fragment: Path, meta: str = "", content: str = "") -> bytes:
    """Put an official fragment (a contentSet or contentMeta) in a minimal newsItem."""
    body = fragment.read_text().replace('<?xml version="1.0" encoding="UTF-8"?>', "")
    return (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:wrapped" version="1">'
        '<itemMeta><itemClass qcode="ninat:text"/><versionCreated>2016-02-09T09:17:00+03:00</versionCreated>'
        f"</itemMeta>{meta}{body}{content}</newsItem>"
    ).encode()


# -- NewsML-G2 ---------------------------------------------------------------


def test_g2_listing_1_news_item_with_embargo_ednote_and_update_signal(capsys):
    [item] = inspect(G2 / "LISTING_1_A_NewsML-G2_News_Item.xml", capsys)
    assert item["format"] == "newsmlg2"
    assert item["item_id"] == "urn:newsml:acmenews.com:20161018:US-FINANCE-FED"
    assert item["version"] == "11"
    assert item["first_created"] == "2016-10-18T13:12:21-05:00"
    assert item["version_created"] == "2018-10-21T16:25:32-05:00"
    assert item["embargoed_until"] == "2018-10-23T12:00:00+00:00"
    assert item["pub_status"] == "usable"
    assert item["signal"] == "update"
    assert item["headline"] == 'Fed to halt QE to avert "bubble"'
    assert item["slugline"] == "US-Finance-Fed"
    assert item["byline"] == "Meredith Jameson"
    assert item["dateline"] is None
    assert item["located"] == "Berlin"
    assert item["language"] == "en-GB"
    assert item["ednote"].startswith("Note to editors: STRICTLY EMBARGOED.")
    assert item["body_text"] == ""  # the listing's inlineXML holds only comments
    assert {"code": "medtop:20000523", "name": "labour market"} in item["subjects"]


def test_g2_listing_2_text_document_with_nitf_body(capsys):
    [item] = inspect(G2 / "LISTING_2_NewsML-G2_Text_Document.xml", capsys)
    assert item["item_id"] == "urn:newsml:acmenews.com:20161121:US-FINANCE-FED"
    assert item["version"] == "11"
    assert item["first_created"] == "2016-11-21T15:21:06-05:00"  # contentCreated
    assert item["version_created"] == "2018-11-21T16:25:32-05:00"
    assert item["embargoed_until"] is None
    assert item["pub_status"] == "usable" and item["signal"] is None
    assert item["headline"] == 'Fed to halt QE to avert "bubble"'
    assert item["byline"] == "Meredith Jameson"
    assert item["language"] == "en-US"
    paragraphs = item["body_text"].split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("(New York, NY - October 21) Et, sent luptat luptat, commy Nim")
    assert paragraphs[1].endswith("esto cons dolutpat, si.")


def test_g2_listing_25_nitf_inline_xml_body():
    [item] = parse(wrap_g2(G2 / "LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml"))
    item = normalize(item)
    assert item.body_text.startswith("(Sports Network) - With the Philadelphia Phillies picking up")
    assert item.body_text.endswith("looks set to be a clash of the Titans.")
    assert "body.head" not in item.body_html and "hedline" not in item.body_html


def test_g2_listing_28_dateline_and_located():
    [item] = parse(wrap_g2(G2 / "LISTING_28_Illustrating_Located_Subject_and_Dateline.xml"))
    item = normalize(item)
    assert item.dateline == "MOSCOW, Monday (Reuters)"
    assert item.first_created.isoformat() == "2016-02-09T09:17:00+03:00"
    assert item.language == "en-US"
    assert item.byline == "Thomson Reuters"
    assert [s["code"] for s in item.subjects] == ["city:Tskhinvali", "city:Tblisi"]


def test_g2_listing_24_news_message_with_package_reads_its_items(capsys):
    items = inspect(G2 / "LISTING_24_News_Message_conveying_a_complete_News_Package.xml", capsys)
    assert [i["item_id"] for i in items] == ["N1", "N2", "N3", "N4"]
    assert {i["version"] for i in items} == {"1"}  # NewsML-G2 default version


def test_g2_package_alone_has_nothing_to_publish():
    with pytest.raises(ParseError, match="packageItem alone"):
        parse((G2 / "LISTING_6_Simple_NewsML-G2_Package.xml").read_bytes())


def test_g2_video_item_has_no_text():
    with pytest.raises(ParseError, match="video items carry no text"):
        parse((G2 / "ap_metadata_example.xml").read_bytes())


def test_g2_picture_item_alone_is_read_as_an_update_of_that_picture():
    items = parse((QUIRKS / "newsmlg2-picture-only.xml").read_bytes())
    assert [item.kind for item in items] == ["picture"] * len(items)
    assert all(not item.body_html for item in items)


def test_g2_tt_message_without_namespace_html_body_and_picture(capsys):
    [item] = inspect(IPTC / "agency-samples" / "TT_newsmlg2_sample.xml", capsys)
    assert item["item_id"] == "http://tt.se/media/text/210919-janguillou-879f202b"
    assert item["version"] == "1"
    assert item["version_created"] == "2021-09-19T20:57:43+02:00"
    assert item["urgency"] == 3
    assert item["headline"] == 'Jan Guillou skriver på ny "Hamilton"-bok'
    assert item["slugline"] == "janguillou"
    assert item["language"] == "sv"
    # TT's richhtml5: the copy is div.bodytext; the repeated <h1> and label box go.
    text = item["body_text"]
    assert not text.startswith("Jan Guillou skriver på ny")
    assert "Litteratur" not in text.split("\n\n")[0]
    assert "Boken blir den elfte i serien om superagenten" in text
    assert text.endswith("pensionärsduon framöver.")
    assert item["teaser"].startswith("Jan Guillou arbetar just nu med det sista kapitlet")
    assert "<img" not in item["body_html"]


def test_g2_news_message_with_three_items(capsys):
    items = inspect(QUIRKS / "newsmlg2-message-three-items.xml", capsys)
    markets, monsoon, ferry = items
    assert markets["signal"] == "correction"
    assert markets["ednote"] == "Corrects closing level in third paragraph"
    assert markets["dateline"] == "MUMBAI, Oct 14" and markets["located"] == "Mumbai"
    assert markets["keywords"] == ["stocks", "Sensex"]
    assert markets["creditline"] == "Wire Example"
    assert monsoon["version"] == "1"
    assert monsoon["embargoed_until"] == "2021-10-15T06:00:00+05:30"
    assert monsoon["body_text"].split("\n\n")[1] == (
        "It is expected to withdraw from the whole country by the end of the month."
    )  # inlineData plain text keeps its paragraphs
    assert ferry["pub_status"] == "canceled"


# -- NITF ---------------------------------------------------------------------


def test_nitf_without_namespace_and_timestamp_without_offset_ntb(capsys):
    [item] = inspect(
        IPTC / "agency-samples" / "NTB_nitf_sample.xml", capsys, "--time-zone", "Europe/Oslo"
    )
    assert item["format"] == "nitf"
    assert item["item_id"] == "india-korona-bygd"  # du-key groups the versions
    assert item["version"] == "1"
    # date.issue "2021-05-16T09:00:04" has no offset: the agency's zone applies.
    assert item["version_created"] == "2021-05-16T09:00:04+02:00"
    assert item["first_created"] == "2021-05-16T09:00:04+02:00"
    assert item["urgency"] == 5
    assert item["headline"] == "Pandemien herjer på den legeløse indiske landsbygda"
    assert item["byline"] == "NTB-AFP-DPA"
    assert item["dateline"] == "Unnao" and item["located"] == "Unnao"
    assert item["language"] == "nb-NO"
    assert item["ednote"] is None  # ed-msg info="" is no note
    assert item["embargoed_until"] is None
    text = item["body_text"]
    assert text.startswith("Koronapandemien herjer også i landsbyer rundt omkring i India.")
    assert "\n\n- Det skjulte India\n\n" in text  # hl2 kept as a heading
    assert "(©NTB)" in text
    assert "<h2>- Det skjulte India</h2>" in item["body_html"]


def test_nitf_with_namespace_embargo_correction_and_ed_msg(capsys):
    [item] = inspect(QUIRKS / "nitf-namespaced-embargo-correction.xml", capsys)
    assert item["item_id"] == "budget-date" and item["version"] == "2"
    assert item["signal"] == "correction"
    assert item["urgency"] == 2
    assert item["version_created"] == "2021-10-14T09:39:03+05:30"
    assert item["embargoed_until"] == "2021-10-15T11:00:00+05:30"  # date.release
    assert item["ednote"] == "EMBARGOED until 11:00 IST Friday"
    assert item["located"] == "New Delhi"
    assert item["body_text"].split("\n\n") == [
        "NEW DELHI, Oct 14 The budget will be presented on Friday, officials said.",
        "What to expect",
        "Spending on roads is expected to rise.",
        "Parliament House.",
    ]


# -- NewsML 1.2 ------------------------------------------------------------------


def test_newsml12_afp_dateline_advisory_line_and_revision(capsys):
    [item] = inspect(IPTC / "agency-samples" / "afp.com_newsml1.2_sample.xml", capsys)
    assert item["format"] == "newsml12"
    assert item["item_id"] == "urn:newsml:afp.com:20210516T080625Z:TX-PAR-WGF71"
    assert item["version"] == "1"
    assert item["first_created"] == "2021-05-16T08:06:25+00:00"
    assert item["version_created"] == "2021-05-16T08:06:25+00:00"
    assert item["pub_status"] == "usable"
    assert item["urgency"] == 4
    assert item["headline"] == "Israel strikes key Hamas targets as UN Security Council to meet"
    assert item["byline"] == "Adel Zaanoun with Guillaume Lavallee in Jerusalem"
    assert item["dateline"] == "Gaza City, Palestinian Territories, May 16, 2021 (AFP)"
    assert item["located"] == "Gaza City"
    assert item["language"] == "en"
    # The update line is for editors, never the page.
    assert (
        item["ednote"]
        == "RECASTS with attack on Hamas targets, RAISES Gaza death toll, UPDATES throughout"
    )
    assert "RECASTS" not in item["body_text"]
    assert item["body_text"].startswith("Israel's army said Sunday it had bombed the home")
    assert "- Media offices destroyed -" in item["body_text"]
    assert item["keywords"] == ["Israel", "Palestinians", "conflict"]


# -- ninjs ------------------------------------------------------------------------

ARTICLE = "http://ninjs.example.com/newsitems/20130709simp123"


@pytest.mark.parametrize("version", ["1.6", "2.2", "3.1"])
@pytest.mark.parametrize(
    ("name", "uri", "located"),
    [
        ("001_simple_example.json", ARTICLE, None),
        ("004_simple_text_article.json", ARTICLE, None),
        (
            "005_complex_text_article.json",
            "http://ninjs.example.com/newsitems/20130709med123",
            "Grossetto, Italy",
        ),
        (
            "007_multimedia.json",
            "http://ninjs.example.com/newsitems/20130709cplx456",
            "Grossetto, Italy",
        ),
    ],
)
def test_ninjs_official_text_examples_in_every_version(version, name, uri, located, capsys):
    [item] = inspect(NINJS / version / name, capsys)
    assert item["format"] == "ninjs"
    assert item["item_id"] == uri
    assert item["headline"] == "Captain of wrecked cruise ship on trial in Italy"
    assert item["byline"] == "Paulo Santalucia and Frances d'Emilio"
    assert item["located"] == located
    assert item["version_created"] in ("2013-07-09T10:37:00+00:00", "2013-07-09T10:39:00+00:00")
    assert item["pub_status"] == "usable" and item["embargoed_until"] is None
    assert item["body_text"].startswith("GROSSETO, Italy (AP) -- The trial of the captain")


@pytest.mark.parametrize("version", ["1.6", "2.2", "3.1"])
def test_ninjs_associations_example_is_a_composite_text_item(version, capsys):
    [item] = inspect(NINJS / version / "003_associations_example.json", capsys)
    assert item["item_id"] == "http://www.businesswire.com/news/home/20130515006361/en"
    assert item["version"] == "1"
    assert item["headline"].startswith("Dell Redefines Workstation Computing Boundaries")


def test_ninjs_events_carry_no_text():
    with pytest.raises(ParseError, match="carry no text"):
        parse((NINJS / "3.1" / "008_event.json").read_bytes())


@pytest.mark.parametrize(
    "path",
    [NINJS / v / "006_photo_only.json" for v in ("1.6", "2.2", "3.1")]
    + [NINJS / "3.0-agencies" / "ap_image.json"],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_ninjs_picture_documents_are_picture_items_never_stories(path):
    [item] = parse(path.read_bytes())
    assert item.kind == "picture" and not item.body_html


def test_ninjs_dpa_agency_text(capsys):
    [item] = inspect(NINJS / "3.0-agencies" / "dpa_text.json", capsys)
    assert item["item_id"] == "urn:newsml:dpa.com:20090101:190510-99-167362"
    assert item["version"] == "2"
    assert item["version_created"] == "2019-05-10T16:02:28+02:00"
    assert item["urgency"] == 4
    assert item["byline"] == "Von Christian Hollmann, dpa"
    assert item["language"] == "de"
    assert item["body_text"].startswith(
        "Für Lucien Favre war es «der größte Skandal im Fußball seit Jahren»."
    )


def test_ninjs_ntb_item_with_only_a_description_and_an_ednote(capsys):
    [item] = inspect(NINJS / "3.0-agencies" / "ntb_text.json", capsys)
    assert item["version"] == "6"
    assert item["first_created"] == "2019-08-09T09:30:04+00:00"
    assert item["ednote"] == "Noe utvidet."
    assert item["slugline"] == "skien-google"
    assert item["body_text"].startswith("IT-giganten Google har kjøpt en tomt")
    assert {"name": "Teknologi", "code": "13010000"} in item["subjects"]


def test_ninjs_tt_html5_body_without_repeated_headline(capsys):
    [item] = inspect(NINJS / "3.0-agencies" / "tt_text_image_3.json", capsys)
    assert item["headline"] == "Militärövning i jätteformat hålls 2023"
    assert item["body_text"].startswith(
        "Pandemin satte stopp för den stora internationella militärövningen"
    )


def test_ninjs_list_keeps_text_items_and_skips_pictures(capsys):
    first, third = [
        item
        for item in inspect(QUIRKS / "ninjs-list-of-two.json", capsys)
        if item["kind"] == "text"
    ]
    assert first["item_id"] == "urn:wire:ninjs:1"
    assert first["embargoed_until"] == "2021-10-15T00:00:00+00:00"
    assert first["urgency"] == 3 and first["slugline"] == "first"
    assert third["pub_status"] == "withheld"


def test_ninjs_2x_lower_case_keys(capsys):
    [item] = inspect(QUIRKS / "ninjs-2x-lowercase-embargo.json", capsys)
    assert item["first_created"] == "2021-10-14T09:39:03+05:30"
    assert item["version_created"] == "2021-10-14T09:50:13+05:30"
    assert item["embargoed_until"] == "2021-10-14T12:00:00+05:30"
    assert item["ednote"] == "Hold for release"


# -- IPTC 7901 and ANPA-1312 -------------------------------------------------------------


def test_anpa1312_first_lead_writethru_take(capsys):
    [item] = inspect(QUIRKS / "anpa1312-1st-ld-writethru.txt", capsys)
    assert item["format"] == "anpa1312"
    assert item["item_id"] == "10-14:AM-Storm-Coast"
    assert item["version"] == "1stLd-Writethru"  # the take key
    assert item["signal"] == "update"
    assert item["urgency"] == 5  # priority r (routine)
    assert item["slugline"] == "AM-Storm-Coast"
    assert item["headline"] == "Storm forces evacuations along the coast"
    assert item["byline"] == "JANE DOE"
    assert item["ednote"] == "Eds: UPDATES with evacuation figures."
    assert item["dateline"] == "PORT TOWN, Oct 14 (WX)"
    assert item["body_text"].split("\n\n") == [
        "PORT TOWN, Oct 14 (WX) _ A storm forced the evacuation of about 4,000 people along "
        "the coast on Thursday, officials said.",
        "Schools were closed and ferries were halted until further notice.",
    ]


def test_anpa1312_header_fields_and_word_count():
    from wiredesk.wire.teletype import read_messages

    [message] = read_messages((QUIRKS / "anpa1312-1st-ld-writethru.txt").read_text())
    assert message.standard == "anpa1312"
    assert message.header["sld"] == "a" and message.header["number"] == "0342"
    assert message.header["priority"] == "r" and message.header["category"] == "a"
    assert message.header["format"] == "bx"
    assert message.header["date"] == "10-14"
    assert message.word_count == 82
    assert message.trailer == "WX-10-14-21 0939EDT"


def test_anpa1312_kill_is_a_kill_never_a_story(capsys):
    [item] = inspect(QUIRKS / "anpa1312-kill.txt", capsys)
    assert item["signal"] == "kill" and item["pub_status"] == "canceled"
    assert item["urgency"] == 1  # priority f (flash)


def test_iptc7901_take_with_keyword_and_headline_lines(capsys):
    [item] = inspect(QUIRKS / "iptc7901-take.txt", capsys)
    assert item["format"] == "iptc7901"
    assert item["item_id"] == "Budget/Parliament"
    assert item["urgency"] == 2  # priority digit
    assert item["headline"] == "Budget to be presented on Friday"
    assert item["is_advisory"] is False
    assert item["body_text"].split("\n\n") == [
        "NEW DELHI, Oct 14 The budget will be presented on Friday, officials said.",
        "Spending on roads is expected to rise.",
    ]


def test_iptc7901_two_messages_in_one_transmission(capsys):
    items = inspect(QUIRKS / "iptc7901-two-messages.txt", capsys)
    assert [i["headline"] for i in items] == ["Hosts 187 all out", "Leaders lose late"]


def test_teletype_without_etx_is_refused():
    with pytest.raises(ParseError, match="not closed"):
        parse(b"\x01WXA123 2 pol 0045\r\n\x02Slug\r\n\r\nHeadline=\r\n\r\nText")


# -- Encodings -------------------------------------------------------------------------


def test_declared_utf8_but_latin1_bytes_are_read_without_an_override():
    data = (QUIRKS / "newsmlg2-declares-utf8-sends-latin1.xml").read_bytes()
    [item] = parse(data)  # bytes that are not UTF-8 read as Windows-1252, not refused
    assert item.headline == "Zürich cafés reopen"
    [item] = parse(data, encoding="iso-8859-1")  # the source's override still applies
    assert item.headline == "Zürich cafés reopen"


def test_declared_iso_8859_1_in_newsml_g2_is_honoured(capsys):
    [item] = (
        inspect(G2 / "ap_metadata_example.xml", capsys, "--format", "auto") if False else [None]
    )
    data = (
        (QUIRKS / "newsmlg2-declares-utf8-sends-latin1.xml")
        .read_bytes()
        .replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    )
    [item] = parse(data)
    assert normalize(item).body_text == "Zürich, Oct 14 Cafés reopened."


def test_teletype_in_latin1_is_read_without_the_source_encoding():
    data = "\x01WXA123 2 pol 0010\r\n\x02Caf\u00e9/Prices\r\n\r\nCaf\u00e9 prices fall=\r\n\r\nZ\u00fcrich, Oct 14 Prices fell.\r\n\x03\x04".encode(
        "latin-1"
    )
    [item] = parse(data)  # not UTF-8: each such byte read as Windows-1252
    assert item.headline == "Café prices fall"
    with pytest.raises(ParseError, match="not valid utf-8 at byte"):
        parse(data, encoding="utf-8")  # a source that says UTF-8 is taken at its word
    [item] = parse(data, encoding="iso-8859-1")
    assert item.headline == "Café prices fall"


def test_unknown_encoding_override_is_a_clear_error():
    with pytest.raises(ParseError, match="unknown encoding 'klingon'"):
        parse(b"<rss/>", encoding="klingon")


def test_urgency_labels_map_per_source():
    from wiredesk.wire.normalize import map_urgency

    assert map_urgency("flash") == 1 and map_urgency("B") == 2 and map_urgency("7") == 7
    assert map_urgency("newsbreak") == 2
    assert map_urgency("top", {"top": 1}) == 1
    assert map_urgency("f", {"f": 4}) == 4  # the source's mapping wins
    assert map_urgency("whatever") is None and map_urgency("12") is None


def test_named_teletype_format_must_match():
    data = (QUIRKS / "iptc7901-take.txt").read_bytes()
    assert parse(data, "iptc7901")[0].format == "iptc7901"
    with pytest.raises(ParseError, match="expected anpa1312, got iptc7901"):
        parse(data, "anpa1312")


def test_zone_of_agency_copy_applies_to_nitf_times():
    [item] = parse((IPTC / "agency-samples" / "NTB_nitf_sample.xml").read_bytes())
    assert (
        normalize(item, ZoneInfo("Asia/Kolkata")).version_created.isoformat()
        == "2021-05-16T09:00:04+05:30"
    )


# -- Through the pipeline ------------------------------------------------------------------


def test_news_message_items_are_stored_and_a_canceled_version_kills_its_story(feeds, client):
    from wiredesk.ingest.pipeline import ingest_bytes
    from wiredesk.stories.models import Story

    feed = feeds["ians"]
    ferry_v1 = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:wire.example:20211013:ferry" '
        b'version="1"><itemMeta><itemClass qcode="ninat:text"/><versionCreated>2021-10-13T18:00:00+05:30'
        b'</versionCreated><pubStatus qcode="stat:usable"/></itemMeta><contentMeta><headline>Ferry capsizes'
        b"</headline></contentMeta><contentSet><inlineData>KOCHI, Oct 13 A ferry capsized.</inlineData>"
        b"</contentSet></newsItem>"
    )
    assert ingest_bytes(feed, ferry_v1, "ferry-v1.xml").actions == {"published": 1}
    ferry = Story.objects.get(item_id="urn:newsml:wire.example:20211013:ferry")
    assert client.get(ferry.get_absolute_url()).status_code == 200
    report = ingest_bytes(
        feed, (QUIRKS / "newsmlg2-message-three-items.xml").read_bytes(), "three.xml"
    )
    assert report.actions == {"published": 2, "killed": 1}
    assert client.get(ferry.get_absolute_url()).status_code == 410
    markets = Story.objects.get(item_id="urn:newsml:wire.example:20211014:markets")
    assert markets.is_correction
    page = client.get(markets.get_absolute_url()).content.decode()
    assert "Corrects closing level" not in page  # the editor's note is never published
    assert "Correction" in page


def test_feed_encoding_override_reaches_the_parser(feeds):
    from wiredesk.ingest.pipeline import ingest_bytes
    from wiredesk.stories.models import Story

    feed = feeds["harbour"]
    # Greek in ISO-8859-7, declared UTF-8: no rule can tell it from Windows-1252,
    # so only the source's setting reads it right.
    data = (
        (QUIRKS / "newsmlg2-declares-utf8-sends-latin1.xml")
        .read_bytes()
        .replace("Zürich cafés reopen".encode("latin-1"), "Αθήνα: καφέ".encode("iso-8859-7"))
    )
    assert ingest_bytes(feed, data, "greek.xml").actions == {"published": 1}
    assert Story.objects.get().headline != "Αθήνα: καφέ"
    feed.encoding = "iso-8859-7"
    feed.save()
    assert ingest_bytes(feed, data.replace(b'version="1"', b'version="2"'), "g.xml").actions == {
        "updated": 1
    }
    assert Story.objects.get().headline == "Αθήνα: καφέ"


def test_agency_urgency_mapping_applies_to_teletype_priorities(feeds):
    from wiredesk.ingest.pipeline import ingest_bytes

    agency = feeds["ians"].agency
    agency.urgency_map = {"R": 4}
    agency.save()
    report = ingest_bytes(
        feeds["ians"], (QUIRKS / "anpa1312-1st-ld-writethru.txt").read_bytes(), "t.txt"
    )
    assert report.outcomes[0].version.urgency == 4
