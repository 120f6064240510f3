"""NewsML-G2 (IPTC): a newsItem, or a newsMessage carrying several items.

Read in two steps, as `rss.py` reads: `read_item` walks a newsItem once and
fills a `G2ItemRecord` with what it says (texts, QCodes and attributes as
written, every headline, by, creator, subject and remoteContent in order);
`adapt` takes the decisions and makes the WireItem, or says what class of
item it is when it carries nothing to publish.

Text items become WireItems: `itemClass` ninat:text (and ninat:composite
with text). Picture and graphic items travelling with them in one newsMessage
become their pictures: those a packageItem groups with a text, else every one
of the message's (newsmlg2_pictures.py). Pictures alone become picture items
(an update or kill of that picture wherever it is used). A package alone, or a video or audio item,
carries nothing to publish and is refused with that reason. Bodies come as `inlineXML` (NITF or XHTML)
or `inlineData` (plain text). Identity: `guid`; version: `version` (default 1,
NewsML-G2 spec 4.2). An update or kill is a new document with the same guid and
a higher version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from lxml import etree

from . import nitf
from .errors import ItemFailure, ParseError, guarded
from .item import PubStatus, Signal, WireItem
from .newsmlg2_pictures import PICTURE_CLASSES, _package_groups, _with_pictures, best_picture
from .numbers import is_number
from .pictures import clean
from .records import blank, record
from .text import plain_title, text_to_html
from .times import parse_iso
from .xmlpaths import namespace_of, qcode_value, qualify, strip_namespaces
from .xmlsafe import inner_xml, leaf_text, local_name

FORMAT = "newsmlg2"
G2_NS = "http://iptc.org/std/nar/2006-10-01/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROOTS = {"newsItem", "newsMessage", "packageItem"}
TEXT_CLASSES = {"text", "composite", None}
STATUS: dict[str, PubStatus] = {"usable": "usable", "withheld": "withheld", "canceled": "canceled"}


def sniff(root: etree._Element) -> bool:
    """Return True for a NewsML-G2 item or message, with or without its namespace."""
    return local_name(root) in ROOTS and namespace_of(root) in (G2_NS, "")


def _signal(qcodes: tuple[str, ...]) -> Signal | None:
    # sig:update and sig:correction are IPTC's; some agencies add a kill signal.
    codes = {qcode_value(q) for q in qcodes}
    signals: tuple[Signal, ...] = ("kill", "correction", "update")  # the strongest wins
    return next((signal for signal in signals if signal in codes), None)


# A tag with a namespace prefix (`<h:p>`): HTML has no prefixes, so such XHTML
# is rewritten without them. XHTML in a default namespace is serialised as it
# is: HTML reads `<html xmlns="...">` as `<html>` (and the sanitiser drops the
# attribute), and rewriting every tag costs more than the rest of the item.
_PREFIXED_TAG = re.compile(r"</?[A-Za-z][\w.\-]*:")


def _xhtml_body(container: etree._Element) -> str:
    """Return the XHTML/HTML of an inlineXML; `normalize` keeps the article part."""
    html = inner_xml(container)
    if _PREFIXED_TAG.search(html):
        strip_namespaces(container)
        etree.cleanup_namespaces(container)
        html = inner_xml(container)
    return html


_leaf_text = leaf_text


def _children(element: etree._Element | None, prefix: int) -> Iterator[tuple[str, etree._Element]]:
    """Yield (local name, child) for the element children of `element`."""
    if element is None:
        return
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            yield tag[prefix:], child


class RemoteContent(NamedTuple):
    """A `remoteContent`'s attributes, as written."""

    href: str | None = None
    width: str | None = None
    height: str | None = None
    contenttype: str | None = None
    rendition: str | None = None


@dataclass(frozen=True)
class G2ItemRecord:
    """What a newsItem says, before any decision (`adapt` takes them).

    A single value is the last such element's or attribute's; a tuple holds
    every one, in document order, None where one is empty. Texts have their
    whitespace folded, and nothing else done to them; times, QCodes and
    numbers are as written. `body` stays an element: making it HTML is
    `adapt`'s work.
    """

    guid: str | None = None
    version: str | None = None  # @version
    xml_lang: str | None = None
    # itemMeta
    item_class: str | None = None  # itemClass/@qcode
    version_created: str | None = None
    first_created: str | None = None
    embargoed: str | None = None
    pub_status: str | None = None  # pubStatus/@qcode
    ed_notes: tuple[str | None, ...] = ()
    signals: tuple[str, ...] = ()  # signal/@qcode, "" when it has none
    # contentMeta
    headlines: tuple[str | None, ...] = ()
    urgency: str | None = None
    sluglines: tuple[str | None, ...] = ()
    datelines: tuple[str | None, ...] = ()
    creditlines: tuple[str | None, ...] = ()
    bylines: tuple[tuple[str, str | None], ...] = ()  # ("by", its text), ("creator", its name)
    located: str | None = None  # located/name
    language: str | None = None  # language/@tag
    content_created: str | None = None
    subjects: tuple[tuple[str | None, str | None], ...] = ()  # (@qcode, name)
    keywords: tuple[str | None, ...] = ()
    descriptions: tuple[tuple[str | None, str | None], ...] = ()  # (@role, text)
    alt_ids: tuple[tuple[str | None, str | None], ...] = ()  # (@type, text)
    # rightsInfo (the first)
    copyright_notices: tuple[str | None, ...] = ()
    copyright_holders: tuple[str | None, ...] = ()  # copyrightHolder/name
    usage_terms: str | None = None
    # contentSet
    remote_contents: tuple[RemoteContent, ...] = ()
    body: etree._Element | None = None  # the first inlineXML or inlineData


BLANK = blank(G2ItemRecord)


def read_item(item: etree._Element, prefix: int) -> G2ItemRecord:
    """Return what a newsItem says (`prefix`: the length of its tags' namespace part).

    One pass over the children of each part: for a format read by the
    thousand a second, a find() per field costs more than the parse.
    """
    meta = content_meta = content_set = rights = None
    for name, child in _children(item, prefix):
        if name == "itemMeta":
            meta = child
        elif name == "contentMeta":
            content_meta = child
        elif name == "contentSet":
            content_set = child
        elif name == "rightsInfo" and rights is None:
            rights = child
    found = {
        **BLANK,
        "guid": item.get("guid"),
        "version": item.get("version"),
        "xml_lang": item.get(XML_LANG),
    }
    if meta is not None:
        _read_item_meta(meta, prefix, found)
    if content_meta is not None:
        _read_content_meta(content_meta, prefix, found)
    if rights is not None:
        _read_rights(rights, prefix, found)
    if content_set is not None:
        _read_content_set(content_set, prefix, found)
    return record(G2ItemRecord, found)


def _name(element: etree._Element, prefix: int) -> str | None:
    """Return the text of the first `name` child of `element`."""
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag[prefix:] == "name":
            return _leaf_text(child)
    return None


def _read_item_meta(meta: etree._Element, prefix: int, found: dict[str, Any]) -> None:
    for name, child in _children(meta, prefix):
        if name == "itemClass":
            found["item_class"] = child.get("qcode")
        elif name == "versionCreated":
            found["version_created"] = child.text
        elif name == "firstCreated":
            found["first_created"] = child.text
        elif name == "embargoed":
            found["embargoed"] = child.text
        elif name == "pubStatus":
            found["pub_status"] = child.get("qcode")
        elif name == "edNote":
            found["ed_notes"] += (_leaf_text(child),)
        elif name == "signal":
            found["signals"] += (child.get("qcode", ""),)


def _read_content_meta(content_meta: etree._Element, prefix: int, found: dict[str, Any]) -> None:
    for name, child in _children(content_meta, prefix):
        if name == "headline":
            found["headlines"] += (_leaf_text(child),)
        elif name == "slugline":
            found["sluglines"] += (_leaf_text(child),)
        elif name == "dateline":
            found["datelines"] += (_leaf_text(child),)
        elif name == "creditline":
            found["creditlines"] += (_leaf_text(child),)
        elif name == "keyword":
            found["keywords"] += (_leaf_text(child),)
        elif name == "altId":
            found["alt_ids"] += ((child.get("type"), _leaf_text(child)),)
        elif name == "urgency":
            found["urgency"] = child.text
        elif name in ("by", "creator"):
            text = _leaf_text(child) if name == "by" else _name(child, prefix)
            found["bylines"] += ((name, text),)
        elif name == "located":
            found["located"] = _name(child, prefix)
        elif name == "language":
            found["language"] = child.get("tag")
        elif name == "contentCreated":
            found["content_created"] = child.text
        elif name == "subject":
            subject = (child.get("qcode"), _name(child, prefix))
            found["subjects"] += (subject,)
        elif name == "description":
            description = (child.get("role"), _leaf_text(child))
            found["descriptions"] += (description,)


def _read_rights(rights: etree._Element, prefix: int, found: dict[str, Any]) -> None:
    for name, child in _children(rights, prefix):
        if name == "copyrightNotice":
            found["copyright_notices"] += (_leaf_text(child),)
        elif name == "usageTerms":
            found["usage_terms"] = _leaf_text(child)
        elif name == "copyrightHolder":
            found["copyright_holders"] += (_name(child, prefix),)


def _read_content_set(content_set: etree._Element, prefix: int, found: dict[str, Any]) -> None:
    for name, child in _children(content_set, prefix):
        if name == "remoteContent":
            remote = RemoteContent(
                child.get("href"),
                child.get("width"),
                child.get("height"),
                child.get("contenttype"),
                child.get("rendition"),
            )
            found["remote_contents"] += (remote,)
        elif found["body"] is None and local_name(child) in ("inlineXML", "inlineData"):
            found["body"] = child


def adapt(record: G2ItemRecord, inherited_lang: str | None = None) -> WireItem | str:
    """Return the WireItem of a text or picture item's record, or the item class of any other.

    `inherited_lang`: the newsMessage's xml:lang, for an item that names no language.
    """
    if not record.guid:
        raise ParseError("a NewsML-G2 item has no guid, so it has no identity")
    item_class = qcode_value(record.item_class)
    if item_class in PICTURE_CLASSES:
        return _picture(record)
    if item_class not in TEXT_CLASSES:
        return item_class or "unknown"
    return _text_item(record, inherited_lang)


def _text_item(record: G2ItemRecord, inherited_lang: str | None) -> WireItem:
    # Of repeated lines, the first element counts, even an empty one.
    headlines, sluglines, datelines = record.headlines, record.sluglines, record.datelines
    urgency = (record.urgency or "").strip()
    return WireItem(
        format=FORMAT,
        item_id=record.guid or "",
        version=record.version or "1",
        signal=_signal(record.signals),
        headline=plain_title(headlines[0] if headlines else None),
        byline=_byline(record.bylines) if record.bylines else None,
        language=record.language or record.xml_lang or inherited_lang,
        body_html=_body(record.body),
        ednote=" ".join(filter(None, record.ed_notes)) or None,
        first_created=parse_iso(record.first_created) or parse_iso(record.content_created),
        version_created=parse_iso(record.version_created),
        embargoed_until=parse_iso(record.embargoed),
        pub_status=_status(record.pub_status),
        urgency=int(urgency) if is_number(urgency) else None,
        slugline=sluglines[0] if sluglines else None,
        dateline=datelines[0] if datelines else None,
        creditline=record.creditlines[0] if record.creditlines else None,
        located=record.located,
        subjects=_subjects(record.subjects) if record.subjects else [],
        keywords=list(filter(None, record.keywords)),
        # "type:value", as a ninjs altId's "role:value" (ingest/translations.py).
        alt_ids=[f"{kind or ''}:{value}" for kind, value in record.alt_ids if value],
    )


def _status(qcode: str | None) -> PubStatus:
    return STATUS.get(qcode_value(qcode) or "", "usable")


def _byline(bylines: tuple[tuple[str, str | None], ...]) -> str | None:
    """Return the last `by`, else the name of the last creator before the first `by`."""
    byline = creator = None
    seen_by = False
    for kind, text in bylines:
        if kind == "by":
            byline, seen_by = text, True
        elif not seen_by:
            creator = text
    return byline or creator


def _subjects(subjects: tuple[tuple[str | None, str | None], ...]) -> list[dict[str, str]]:
    return [
        {k: v for k, v in (("code", code), ("name", label or code)) if v}
        for code, label in subjects
        if code or label
    ]


def _body(rendition: etree._Element | None) -> str:
    """Return an inlineXML (NITF, else XHTML) or inlineData (HTML, else plain text) as HTML."""
    if rendition is None:
        return ""
    content_type = (rendition.get("contenttype") or "").lower()
    if local_name(rendition) == "inlineData":
        text = rendition.text or ""
        return text if "html" in content_type else text_to_html(text)
    first = next(iter(rendition), None)
    if first is not None and (local_name(first) == "nitf" or "nitf" in content_type):
        content = next((el for el in first.iter() if local_name(el) == "body.content"), None)
        return nitf.body_html(content) if content is not None else ""
    return _xhtml_body(rendition)


def _picture(record: G2ItemRecord) -> WireItem:
    """Return a picture item: its best `remoteContent` with what contentMeta says of it."""
    headline = clean(record.headlines[0]) if record.headlines else None
    picture = best_picture(record, headline)
    return WireItem(
        format=FORMAT,
        item_id=record.guid or "",
        version=record.version or "1",
        kind="picture",
        pub_status=_status(record.pub_status),
        version_created=parse_iso(record.version_created),
        headline=headline or "",
        pictures=[picture] if picture is not None else [],
    )


def _item(item: etree._Element, prefix: int, inherited_lang: str | None) -> WireItem | str:
    return adapt(read_item(item, prefix), inherited_lang)


def _cut(item: etree._Element) -> bytes:
    return etree.tostring(item, encoding="utf-8")


def _identify(item: etree._Element) -> str:
    return item.get("guid") or ""


def parse(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the text items of a NewsML-G2 newsItem or newsMessage."""
    ns = namespace_of(root)
    prefix = len(ns) + 2 if ns else 0
    kind = local_name(root)
    if kind == "packageItem":
        raise ParseError(
            "NewsML-G2 packageItem alone: its text items are delivered separately; nothing to publish"
        )
    item_set = root.find(qualify("itemSet", ns))
    candidates = [root] if kind == "newsItem" else (list(item_set) if item_set is not None else [])
    language = root.get(XML_LANG)
    items: list[WireItem | ItemFailure] = []
    pictures: list[WireItem] = []
    groups: list[set[str]] = []
    refused = []
    position = 0
    for candidate in candidates:
        if local_name(candidate) == "packageItem":
            groups.extend(_package_groups(candidate, prefix))
        if local_name(candidate) != "newsItem":
            continue  # packages: their text items are read where they stand
        position += 1
        result = guarded(_item, candidate, position, _cut, _identify, prefix, language)
        if isinstance(result, str):
            refused.append(result)
        elif isinstance(result, WireItem) and result.kind == "picture":
            pictures.append(result)
        else:
            items.append(result)
    if pictures and not any(isinstance(i, WireItem) for i in items):
        return [*items, *pictures]  # pictures alone: updates or kills of those pictures
    if pictures:
        items = [_with_pictures(i, pictures, groups) for i in items]
    if not items:
        what = ", ".join(sorted({c or "unknown" for c in refused})) or "no"
        raise ParseError(
            f"NewsML-G2 {kind} has no text item ({what} items carry no text to publish)"
        )
    return items
