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
from .errors import ParseError
from .item import WireItem
from .text import fold, plain_title, text_to_html
from .times import parse_iso
from .xmlpaths import strip_namespaces
from .xmlsafe import local_name

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = {"usable": "usable", "withheld": "withheld", "canceled": "canceled", "embargoed": "usable"}


def sniff(root: etree._Element) -> bool:
    """Return True for a NewsML 1.x document."""
    return local_name(root) == "NewsML"


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return fold("".join(element.itertext())) or None


def _formal(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    return found.get("FormalName") if found is not None else None


def _identity(item: etree._Element) -> tuple[str, str]:
    ident = item.find("Identification/NewsIdentifier")
    if ident is None:
        raise ParseError("a NewsML 1.2 NewsItem has no NewsIdentifier, so it has no identity")
    revision = _text(ident.find("RevisionId")) or "1"
    public = _text(ident.find("PublicIdentifier"))
    if public and public.endswith(":" + revision):
        return public[: -len(revision) - 1], revision
    parts = [_text(ident.find(n)) for n in ("ProviderId", "DateId", "NewsItemId")]
    if not parts[2]:
        raise ParseError("a NewsML 1.2 NewsItem has no NewsItemId, so it has no identity")
    return "urn:newsml:" + ":".join(p or "" for p in parts), revision


def _text_content(component: etree._Element) -> tuple[str, etree._Element | None]:
    """Return (body HTML, ContentItem) of the first text ContentItem under `component`."""
    for content in component.iter("ContentItem"):
        if (_formal(content, "MediaType") or "").lower() != "text":
            continue
        data = content.find("DataContent")
        if data is None:
            continue
        body = next(data.iter("body.content"), None)
        if body is not None:
            return nitf.body_html(body), content
        if len(data):
            return "".join(etree.tostring(c, encoding="unicode") for c in data), content
        return text_to_html(data.text or ""), content
    return "", None


def _item(item: etree._Element) -> WireItem | None:
    item_id, revision = _identity(item)
    management = item.find("NewsManagement")
    component = item.find("NewsComponent")
    if component is None:
        return None
    html, content = _text_content(component)
    if content is None:
        return None
    lines = component.find("NewsLines")
    headline = dateline = None
    advisories: list[str] = []
    if lines is not None:
        headline = _text(lines.find("HeadLine"))
        dateline = _text(lines.find("DateLine"))
        for line in lines.iterfind("NewsLine"):
            if (_formal(line, "NewsLineType") or "").lower() == "advisoryline":
                advisories.extend(t for t in [_text(line.find("NewsLineText"))] if t)
    if dateline:
        # "Gaza City, Palestinian Territories, May 16, 2021 (AFP) -": the dash
        # leads into the text, it is not part of the dateline.
        dateline = dateline.rstrip(" -\u2013\u2014")
    status = urgency = None
    first_created = version_created = None
    update = None
    if management is not None:
        status = STATUS.get((_formal(management, "Status") or "").lower())
        value = _formal(management, "Urgency")
        urgency = int(value) if value and value.isdigit() else None
        first_created = parse_iso(_text(management.find("FirstCreated")))
        version_created = parse_iso(_text(management.find("ThisRevisionCreated")))
    revision_el = item.find("Identification/NewsIdentifier/RevisionId")
    if revision_el is not None:
        update = revision_el.get("Update")
    meta = component.find("DescriptiveMetadata")
    language = located = None
    subjects: list[dict[str, str]] = []
    keywords: list[str] = []
    if meta is not None:
        language = _formal(meta, "Language")
        city = meta.find("Location/Property[@FormalName='City']")
        located = city.get("Value") if city is not None else None
        for code in meta.iterfind("SubjectCode/*"):
            if code.get("FormalName"):
                subjects.append(
                    {"code": f"subj:{code.get('FormalName')}", "name": code.get("FormalName")}
                )
        for prop in meta.iterfind("Property[@FormalName='Keyword']"):
            if prop.get("Value") and not prop.get("Role"):
                keywords.append(prop.get("Value").strip())
    creator = component.find("AdministrativeMetadata/Creator/Party")
    byline = fold(creator.get("FormalName") or "") or None if creator is not None else None
    signal = None
    if status == "canceled":
        signal = "kill"
    elif update in ("A", "U") or (revision.isdigit() and int(revision) > 1):
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
        byline=byline,
        dateline=dateline,
        located=located,
        language=language or item.get(XML_LANG),
        body_html=html,
        subjects=subjects,
        keywords=keywords,
        ednote=" ".join(advisories) or None,
    )


def parse(root: etree._Element) -> list[WireItem]:
    """Return the text items of a NewsML 1.2 document."""
    strip_namespaces(root)
    items = [item for item in map(_item, root.iter("NewsItem")) if item is not None]
    if not items:
        raise ParseError("NewsML 1.2 document has no text NewsItem")
    return items
