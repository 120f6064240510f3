"""NewsML 1.2 (IPTC), as AFP and others still send it.

Identity: the PublicIdentifier without its revision
(`urn:newsml:afp.com:20210516T080625Z:TX-PAR-WGF71`), from
ProviderId/DateId/NewsItemId when there is none; version: `RevisionId`.
The text is a ContentItem of MediaType Text: NITF in DataContent, or plain text.
An AdvisoryLine ("RECASTS with ..., UPDATES throughout") is for editors: it
goes to `ednote`, never to the page.
"""

from __future__ import annotations

from lxml import etree

from . import nitf
from .errors import ItemFailure, ParseError, guarded
from .item import PubStatus, Signal, WireItem
from .numbers import is_number
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


def sniff(root: etree._Element) -> bool:
    """Return True for a NewsML 1.x document."""
    return local_name(root) == "NewsML"


_text = leaf_text


def _formal(element: etree._Element | None) -> str | None:
    return element.get("FormalName") if element is not None else None


def _identity(ident: etree._Element | None) -> tuple[str, str, str | None]:
    """Return (item id, revision, Update attribute) of a NewsIdentifier."""
    if ident is None:
        raise ParseError("a NewsML 1.2 NewsItem has no NewsIdentifier, so it has no identity")
    parts: dict[str, str | None] = {}
    update = None
    for child in ident:
        parts[child.tag] = _text(child)
        if child.tag == "RevisionId":
            update = child.get("Update")
    revision = parts.get("RevisionId") or "1"
    public = parts.get("PublicIdentifier")
    if public and public.endswith(":" + revision):
        return public[: -len(revision) - 1], revision, update
    if not parts.get("NewsItemId"):
        raise ParseError("a NewsML 1.2 NewsItem has no NewsItemId, so it has no identity")
    keys = ("ProviderId", "DateId", "NewsItemId")
    return "urn:newsml:" + ":".join(parts.get(k) or "" for k in keys), revision, update


def _text_content(component: etree._Element) -> tuple[str, etree._Element | None]:
    """Return (body HTML, ContentItem) of the first text ContentItem under `component`."""
    for content in component.iter("ContentItem"):
        # A loop over the children, not find(): find parses its path at every call.
        media_type = data = None
        for child in content:
            if child.tag == "MediaType":
                media_type = child
            elif child.tag == "DataContent":
                data = child
        if (_formal(media_type) or "").lower() != "text" or data is None:
            continue
        body = next(data.iter("body.content"), None)
        if body is not None:
            return nitf.body_html(body), content
        if len(data):
            return "".join(etree.tostring(c, encoding="unicode") for c in data), content
        return text_to_html(data.text or ""), content
    return "", None


def _item(item: etree._Element) -> WireItem | None:
    """Return the WireItem of a NewsItem with text, or None; one pass a section."""
    ident = management = component = name_label = None
    for child in item:
        if child.tag == "Identification":
            for part in child:
                if part.tag == "NewsIdentifier":
                    ident = part
                elif part.tag == "NameLabel":
                    name_label = _text(part)
        elif child.tag == "NewsManagement":
            management = child
        elif child.tag == "NewsComponent":
            component = child
    item_id, revision, update = _identity(ident)
    if component is None:
        return None
    html, content = _text_content(component)
    if content is None:
        return None
    headline = dateline = byline = language = located = slugline = keyword_line = None
    advisories: list[str] = []
    subjects: list[dict[str, str]] = []
    keywords: list[str] = []
    for part in component:
        if part.tag == "NewsLines":
            for line in part:
                if line.tag == "HeadLine":
                    headline = headline or _text(line)
                elif line.tag == "DateLine":
                    dateline = dateline or _text(line)
                elif line.tag == "SlugLine":
                    slugline = _text(line) or slugline
                elif line.tag == "KeywordLine":
                    keyword_line = keyword_line or _text(line)
                elif (
                    line.tag == "NewsLine"
                    and (_formal(line.find("NewsLineType")) or "").lower() == "advisoryline"
                ):
                    advisories.extend(t for t in [_text(line.find("NewsLineText"))] if t)
        elif part.tag == "AdministrativeMetadata":
            for admin in part:
                if admin.tag == "Creator":
                    creator = next((c for c in admin if c.tag == "Party"), None)
                    if creator is not None:
                        byline = fold(creator.get("FormalName") or "") or None
                    break
        elif part.tag == "DescriptiveMetadata":
            for meta in part:
                if meta.tag == "Language":
                    language = meta.get("FormalName")
                elif meta.tag == "Location":
                    for prop in meta.iterfind("Property"):
                        if prop.get("FormalName") == "City":
                            located = prop.get("Value")
                elif meta.tag == "SubjectCode":
                    for code in meta:
                        if code.get("FormalName"):
                            subjects.append(
                                {
                                    "code": f"subj:{code.get('FormalName')}",
                                    "name": code.get("FormalName"),
                                }
                            )
                elif (
                    meta.tag == "Property"
                    and meta.get("FormalName") == "Keyword"
                    and meta.get("Value")
                    and not meta.get("Role")
                ):
                    keywords.append(meta.get("Value").strip())
    # The slug as agencies use it: a SlugLine, else the NameLabel (AFP's
    # "Israel-Palestinians-conflict"), else the keyword line.
    slugline = slugline or name_label or keyword_line
    if dateline:
        # "Gaza City, Palestinian Territories, May 16, 2021 (AFP) -": the dash
        # leads into the text, it is not part of the dateline.
        dateline = dateline.rstrip(" -\u2013\u2014")
    status = urgency = first_created = version_created = None
    for child in management if management is not None else ():
        if child.tag == "Status":
            status = STATUS.get((_formal(child) or "").lower())
        elif child.tag == "Urgency":
            value = _formal(child)
            urgency = int(value) if value and is_number(value) else None
        elif child.tag == "FirstCreated":
            first_created = parse_iso(_text(child))
        elif child.tag == "ThisRevisionCreated":
            version_created = parse_iso(_text(child))
    signal: Signal | None = None
    if status == "canceled":
        signal = "kill"
    elif update in ("A", "U") or (is_number(revision) and int(revision) > 1):
        signal = "update"
    return WireItem(
        format="newsml12",
        item_id=item_id,
        version=revision,
        pub_status=status or "usable",
        signal=signal,
        first_created=first_created,
        version_created=version_created,
        urgency=urgency,
        headline=plain_title(headline),
        slugline=slugline,
        byline=byline,
        dateline=dateline,
        located=located,
        language=language or item.get(XML_LANG),
        body_html=html,
        subjects=subjects,
        keywords=keywords,
        ednote=" ".join(advisories) or None,
    )


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
