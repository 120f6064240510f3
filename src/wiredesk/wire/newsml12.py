"""NewsML 1.2 (IPTC), as AFP and others still send it.

Read in two steps, as `rss.py` reads: `read_news_item` walks a NewsItem once
and fills a `NewsML12Record` with what the document says (texts and attribute
values as written, every HeadLine, DateLine, SlugLine, KeywordLine and NewsLine
in order); `adapt` takes the decisions and makes the WireItem.

Identity: the PublicIdentifier without its revision
(`urn:newsml:afp.com:20210516T080625Z:TX-PAR-WGF71`), from
ProviderId/DateId/NewsItemId when there is none; version: `RevisionId`.
The text is a ContentItem of MediaType Text: NITF in DataContent, or plain text.
An AdvisoryLine ("RECASTS with ..., UPDATES throughout") is for editors: it
goes to `ednote`, never to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from . import nitf
from .errors import ItemFailure, ParseError, guarded
from .item import PubStatus, Signal, WireItem
from .numbers import is_number
from .records import blank, record
from .text import fold, plain_title, text_to_html
from .times import parse_iso
from .xmlsafe import leaf_text, local_name

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS: dict[str, PubStatus] = {
    "usable": "usable",
    "withheld": "withheld",
    "canceled": "canceled",
    "embargoed": "usable",
}
# The record's name for each part of a NewsIdentifier.
IDENTIFIER = {
    "ProviderId": "provider_id",
    "DateId": "date_id",
    "NewsItemId": "news_item_id",
    "RevisionId": "revision_id",
    "PublicIdentifier": "public_identifier",
}


def sniff(root: etree._Element) -> bool:
    """Return True for a NewsML 1.x document."""
    return local_name(root) == "NewsML"


_text = leaf_text


def _formal(element: etree._Element | None) -> str | None:
    return element.get("FormalName") if element is not None else None


@dataclass(frozen=True)
class NewsML12Record:
    """What one NewsItem says, before any decision (`adapt` takes them).

    A single value is the last such element's; a tuple holds every element's,
    in document order, None where one is empty. Texts have their whitespace
    folded, and nothing else done to them; attributes are as written. `text`
    is the DataContent of the first ContentItem of MediaType Text: `adapt`
    makes it HTML.
    """

    # Identification: the NewsIdentifier's parts, its NameLabel.
    has_identifier: bool = False
    provider_id: str | None = None
    date_id: str | None = None
    news_item_id: str | None = None
    revision_id: str | None = None
    revision_update: str | None = None  # RevisionId's `Update`: N, A or U
    public_identifier: str | None = None
    name_label: str | None = None
    # NewsManagement
    status: str | None = None  # Status/@FormalName
    urgency: str | None = None  # Urgency/@FormalName
    first_created: str | None = None
    this_revision_created: str | None = None
    # NewsComponent: its NewsLines, its metadata, its text
    headlines: tuple[str | None, ...] = ()
    datelines: tuple[str | None, ...] = ()
    sluglines: tuple[str | None, ...] = ()
    keyword_lines: tuple[str | None, ...] = ()
    news_lines: tuple[tuple[str | None, str | None], ...] = ()  # (NewsLineType/@FormalName, text)
    creator: str | None = None  # the first Creator's Party/@FormalName
    language: str | None = None  # Language/@FormalName
    city: str | None = None  # the Value of a Location's Property "City"
    subject_codes: tuple[str | None, ...] = ()  # the FormalName of each SubjectCode's child
    keywords: tuple[tuple[str | None, str | None], ...] = ()  # (Value, Role) of each "Keyword"
    xml_lang: str | None = None  # the NewsItem's xml:lang
    text: etree._Element | None = None


BLANK = blank(NewsML12Record)


def read_news_item(item: etree._Element) -> NewsML12Record:
    """Return what a NewsItem says: one pass over each of its sections.

    Each element's tag is read once: lxml makes a new string at every read.
    """
    ident = management = component = None
    found = {**BLANK, "xml_lang": item.get(XML_LANG)}
    for child in item:
        tag = child.tag
        if tag == "Identification":
            for part in child:
                part_tag = part.tag
                if part_tag == "NewsIdentifier":
                    ident = part
                elif part_tag == "NameLabel":
                    found["name_label"] = _text(part)
        elif tag == "NewsManagement":
            management = child
        elif tag == "NewsComponent":
            component = child
    if ident is not None:
        found["has_identifier"] = True
        for part in ident:
            name = IDENTIFIER.get(part.tag)
            if name:
                found[name] = _text(part)
                if name == "revision_id":
                    found["revision_update"] = part.get("Update")
    for child in management if management is not None else ():
        tag = child.tag
        if tag == "Status":
            found["status"] = _formal(child)
        elif tag == "Urgency":
            found["urgency"] = _formal(child)
        elif tag == "FirstCreated":
            found["first_created"] = _text(child)
        elif tag == "ThisRevisionCreated":
            found["this_revision_created"] = _text(child)
    if component is not None:
        _read_component(component, found)
    return record(NewsML12Record, found)


def _read_component(component: etree._Element, found: dict[str, Any]) -> None:
    """Read a NewsComponent's lines, its metadata and its text."""
    for part in component:
        tag = part.tag
        if tag == "NewsLines":
            for line in part:
                line_tag = line.tag
                if line_tag == "HeadLine":
                    found["headlines"] += (_text(line),)
                elif line_tag == "DateLine":
                    found["datelines"] += (_text(line),)
                elif line_tag == "SlugLine":
                    found["sluglines"] += (_text(line),)
                elif line_tag == "KeywordLine":
                    found["keyword_lines"] += (_text(line),)
                elif line_tag == "NewsLine":
                    kind, text = line.find("NewsLineType"), line.find("NewsLineText")
                    found["news_lines"] += ((_formal(kind), _text(text)),)
        elif tag == "AdministrativeMetadata":
            for admin in part:
                if admin.tag == "Creator":  # the first Creator, when it names a Party
                    party = next((c for c in admin if c.tag == "Party"), None)
                    if party is not None:
                        found["creator"] = party.get("FormalName")
                    break
        elif tag == "DescriptiveMetadata":
            _read_descriptive(part, found)
    found["text"] = _text_data(component)


def _read_descriptive(part: etree._Element, found: dict[str, Any]) -> None:
    for meta in part:
        tag = meta.tag
        if tag == "Language":
            found["language"] = meta.get("FormalName")
        elif tag == "Location":
            for prop in meta.iterfind("Property"):
                if prop.get("FormalName") == "City":
                    found["city"] = prop.get("Value")
        elif tag == "SubjectCode":
            codes = tuple(code.get("FormalName") for code in meta)
            found["subject_codes"] += codes
        elif tag == "Property" and meta.get("FormalName") == "Keyword":
            keyword = (meta.get("Value"), meta.get("Role"))
            found["keywords"] += (keyword,)


def _text_data(component: etree._Element) -> etree._Element | None:
    """Return the DataContent of the first ContentItem of MediaType Text under `component`."""
    for content in component.iter("ContentItem"):
        # A loop over the children, not find(): find parses its path at every call.
        media_type = data = None
        for child in content:
            tag = child.tag
            if tag == "MediaType":
                media_type = child
            elif tag == "DataContent":
                data = child
        if (_formal(media_type) or "").lower() == "text" and data is not None:
            return data
    return None


def adapt(record: NewsML12Record) -> WireItem | None:
    """Return the WireItem a NewsItem's record makes, or None when it has no text."""
    item_id, revision = _identity(record)
    if record.text is None:
        return None
    html = _body_html(record.text)
    status = STATUS.get((record.status or "").lower())
    urgency = record.urgency or ""
    signal: Signal | None = None
    if status == "canceled":
        signal = "kill"
    elif record.revision_update in ("A", "U") or (is_number(revision) and int(revision) > 1):
        signal = "update"
    dateline = next(filter(None, record.datelines), None)
    if dateline:
        # "Gaza City, Palestinian Territories, May 16, 2021 (AFP) -": the dash
        # leads into the text, it is not part of the dateline.
        dateline = dateline.rstrip(" -\u2013\u2014")
    return WireItem(
        format="newsml12",
        item_id=item_id,
        version=revision,
        pub_status=status or "usable",
        signal=signal,
        first_created=parse_iso(record.first_created),
        version_created=parse_iso(record.this_revision_created),
        urgency=int(urgency) if is_number(urgency) else None,
        headline=plain_title(next(filter(None, record.headlines), None)),
        slugline=_slugline(record),
        byline=fold(record.creator or "") or None,
        dateline=dateline,
        located=record.city,
        language=record.language or record.xml_lang,
        body_html=html,
        subjects=_subjects(record.subject_codes) if record.subject_codes else [],
        keywords=_keywords(record.keywords) if record.keywords else [],
        ednote=_advisories(record.news_lines) if record.news_lines else None,
    )


def _identity(record: NewsML12Record) -> tuple[str, str]:
    """Return (item id, revision) of a NewsIdentifier."""
    if not record.has_identifier:
        raise ParseError("a NewsML 1.2 NewsItem has no NewsIdentifier, so it has no identity")
    revision = record.revision_id or "1"
    public = record.public_identifier
    if public and public.endswith(":" + revision):
        return public[: -len(revision) - 1], revision
    if not record.news_item_id:
        raise ParseError("a NewsML 1.2 NewsItem has no NewsItemId, so it has no identity")
    parts = (record.provider_id, record.date_id, record.news_item_id)
    return "urn:newsml:" + ":".join(part or "" for part in parts), revision


def _slugline(record: NewsML12Record) -> str | None:
    # The slug as agencies use it: a SlugLine (the last), else the NameLabel
    # (AFP's "Israel-Palestinians-conflict"), else the keyword line.
    slugline = next(filter(None, reversed(record.sluglines)), None)
    return slugline or record.name_label or next(filter(None, record.keyword_lines), None)


def _subjects(codes: tuple[str | None, ...]) -> list[dict[str, str]]:
    return [{"code": f"subj:{code}", "name": code} for code in codes if code]


def _keywords(keywords: tuple[tuple[str | None, str | None], ...]) -> list[str]:
    # A keyword with a Role is something else (AFP: "PersonInImage").
    return [value.strip() for value, role in keywords if value and not role]


def _advisories(news_lines: tuple[tuple[str | None, str | None], ...]) -> str | None:
    advisories = [
        text for kind, text in news_lines if text and (kind or "").lower() == "advisoryline"
    ]
    return " ".join(advisories) or None


def _body_html(data: etree._Element) -> str:
    """Return a text DataContent as HTML: its NITF body, its markup, or its plain text."""
    body = next(data.iter("body.content"), None)
    if body is not None:
        return nitf.body_html(body)
    if len(data):
        return "".join(etree.tostring(c, encoding="unicode") for c in data)
    return text_to_html(data.text or "")


def _item(item: etree._Element) -> WireItem | None:
    return adapt(read_news_item(item))


def parse(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the text items of a NewsML 1.2 document.

    NewsML 1.x has no namespace (it is DTD-based); an NITF body inside it is
    stripped of its own namespace where it is read.
    """
    results = [
        guarded(_item, item, n, _cut, _identify) for n, item in enumerate(root.iter("NewsItem"), 1)
    ]
    items = [result for result in results if result is not None]
    if not items:
        raise ParseError("NewsML 1.2 document has no text NewsItem")
    return items


def _cut(item: etree._Element) -> bytes:
    return etree.tostring(item, encoding="utf-8")


def _identify(item: etree._Element) -> str:
    return _text(item.find("Identification/NewsIdentifier/PublicIdentifier")) or ""
