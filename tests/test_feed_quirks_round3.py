"""Third round of what feeds and agency files send: each test is named after the behaviour.

Fixtures in tests/data/quirks/ were written for these tests, one file a quirk
(issue 33, categories 2-6).
"""

from __future__ import annotations

import lxml.html

from wiredesk.wire import normalize, parse
from wiredesk.wire.teletype import read_messages

from .conftest import DATA

QUIRKS = DATA / "quirks"


def items_of(name: str) -> list:
    return [normalize(item) for item in parse((QUIRKS / name).read_bytes())]


def links_in(fragment: str) -> list[str]:
    root = lxml.html.fragment_fromstring(fragment or "<p></p>", create_parent="div")
    return [a.get("href") for a in root.iter("a")]


def tags_in(fragment: str) -> set[str]:
    root = lxml.html.fragment_fromstring(fragment or "<p></p>", create_parent="div")
    return {el.tag for el in root.iter() if isinstance(el.tag, str)} - {"div"}


# -- 2. Dates dropped -----------------------------------------------------------------------


def test_atom03_issued_modified_and_created_written_as_rfc822_dates_are_kept():
    dated, created_only = items_of("atom03-dates-written-as-rfc822.xml")
    assert dated.first_created.isoformat() == "2021-10-14T09:00:00+05:30"  # issued
    assert dated.version_created.isoformat() == "2021-10-14T09:30:00+05:30"  # modified
    assert created_only.first_created.isoformat() == "2021-10-14T08:45:00+00:00"


def test_atom_published_and_updated_in_an_rss_item_without_pubdate_are_its_times():
    both, updated_only, with_pubdate, with_dc_date = items_of(
        "rss2-atom-published-and-updated-without-pubdate.xml"
    )
    assert both.first_created.isoformat() == "2021-10-14T09:00:00+05:30"
    assert both.version_created.isoformat() == "2021-10-14T09:30:00+05:30"
    # Only an update time (written the RFC 822 way): the first time known.
    assert updated_only.first_created.isoformat() == "2021-10-14T10:00:00+05:30"
    assert updated_only.version_created == updated_only.first_created
    # The item's own RSS and Dublin Core dates win over the Atom ones.
    assert with_pubdate.first_created.isoformat() == "2021-10-14T08:00:00+05:30"
    assert with_dc_date.first_created.isoformat() == "2021-10-14T07:00:00+05:30"


# -- 3. Atom elements inside RSS items ------------------------------------------------------


def test_atom_author_content_and_category_in_an_rss_item_are_read():
    html, text, xhtml, _ = items_of("rss2-atom-author-content-category-in-item.xml")
    assert html.byline == "Jane Doe, desk@agency.example"
    assert html.body_text == "The bank held rates. Read the decision."
    assert links_in(html.body_html) == ["https://agency.example/news/rates-decision"]
    assert html.subjects == [
        {"name": "Economy", "code": "economy", "scheme": "https://agency.example/sections"},
        {"name": "rates", "code": "rates"},
        {"name": "Markets"},
    ]
    assert text.body_text == "Prices <fell> sharply."  # type="text": never markup
    assert xhtml.body_text == "Markets rallied." and "b" in tags_in(xhtml.body_html)


def test_rss_author_and_description_win_over_atom_author_and_content():
    both = items_of("rss2-atom-author-content-category-in-item.xml")[3]
    assert (both.byline, both.body_text) == ("Sam Editor", "The RSS description.")


def test_atom_category_with_a_label_and_no_term_is_kept_by_its_label():
    [item] = items_of("atom-category-with-label-and-no-term.xml")
    assert item.subjects == [
        {"name": "Business News"},
        {"name": "Sport", "code": "sport"},
        {"name": "weather", "code": "weather"},
    ]


# -- 4. HTML sent as child elements -----------------------------------------------------------


def test_html_content_sent_as_elements_keeps_its_links_resolved_against_xml_base():
    content, summary = items_of("atom-html-content-sent-as-child-elements.xml")
    assert links_in(content.body_html) == [
        "https://agency.example/news/2021/floods-map",
        "https://agency.example/archive/2020-floods",  # the link's own xml:base
        "https://other.example/aid",
    ]
    assert content.body_text.startswith("Floods closed schools.")
    assert content.body_text.endswith("1 < 2 & more.")
    assert links_in(summary.body_html) == ["https://agency.example/briefs/roads"]


def test_html_content_sent_as_elements_still_goes_through_the_sanitiser():
    content = items_of("atom-html-content-sent-as-child-elements.xml")[0]
    assert tags_in(content.body_html) <= {"p", "b", "a"}
    assert "steal" not in content.body_html and "onclick" not in content.body_html
    assert "xml:base" not in content.body_html and "xmlns" not in content.body_html


# -- 5. Escaped markup inside XHTML ------------------------------------------------------------


def test_escaped_markup_inside_an_xhtml_div_reaches_the_reader_as_text():
    escaped_only, beside_markup = items_of("atom-xhtml-div-with-escaped-markup.xml")
    assert escaped_only.body_text == (
        'Web pages open paragraphs with <p> and links with <a href="x"> &amp; more.'
    )
    assert tags_in(escaped_only.body_html) == {"p"}  # the one paragraph around the text
    assert links_in(escaped_only.body_html) == []
    assert beside_markup.body_text == "Write <b> for bold."
    assert "&lt;b&gt;" in beside_markup.body_html


# -- 6. Agency headers -----------------------------------------------------------------------


def test_ap_anpa_header_with_selector_after_unit_separator_and_format_codes_is_read():
    two_lines, dashes_selector, words_before_date = items_of(
        "anpa1312-ap-header-selector-after-unit-separator.txt"
    )
    assert two_lines.format == "anpa1312"
    assert two_lines.slugline == "BC-US--Dam-RiverTowns"
    assert two_lines.version == "1stLd-Writethru" and two_lines.signal == "update"
    # The keyword line repeating the slug (with its spaces) is not the headline.
    assert two_lines.headline == "River towns told to leave as dam nears limit"
    assert two_lines.byline == "JANE DOE" and two_lines.priority == "r"
    assert two_lines.body_text.startswith("RIVERTON (AP) _ Towns along the river")
    assert dashes_selector.slugline == "BC-BBO--WildCardGlance"
    assert dashes_selector.headline == "Wild Card Glance"
    assert words_before_date.slugline == "BC-US--Dam-Levels"
    assert words_before_date.item_id == "10-14:BC-US--Dam-Levels"


def test_ap_anpa_header_fields_keep_selector_word_count_and_date():
    data = (QUIRKS / "anpa1312-ap-header-selector-after-unit-separator.txt").read_text("latin-1")
    first, second, third = (message.header for message in read_messages(data))
    assert (first["number"], first["selector"], first["category"]) == ("0712", "apw--", "a")
    assert (first["date"], first["words"]) == ("10-14", "0412")
    assert (second["selector"], second["date"]) == ("-----", "08-18")
    assert (third["words"], third["date"]) == ("0088", "10-14")


def test_iptc7901_keyword_in_the_header_wins_over_the_headline():
    keyword_line, optional_field = items_of("iptc7901-keyword-in-the-header.txt")
    assert (keyword_line.slugline, keyword_line.headline) == ("ECONOMY-RATES", "Bank holds rates")
    assert keyword_line.body_text == "MUMBAI, Oct 14 The central bank held rates."
    assert (optional_field.slugline, optional_field.headline) == (
        "ECONOMY-BONDS",
        "Bond yields fall",
    )


def test_nitf_without_du_key_or_doc_id_is_identified_by_its_uno():
    [item] = items_of("nitf-identified-by-uno-without-doc-id.xml")
    assert item.format == "nitf"
    assert item.item_id == "urn:agency:nitf:20211014:rates-0042"  # a blank id-string is none
    assert item.headline == "Bank holds rates"
