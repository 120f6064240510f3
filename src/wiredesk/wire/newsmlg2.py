"""NewsML-G2 (IPTC): a newsItem, or a newsMessage carrying several items.

Only text items become WireItems: `itemClass` ninat:text (and ninat:composite
with text). A packageItem is read for the text items it travels with in the same
newsMessage; a package alone, or a picture, video or graphic item, carries no
text and is refused with that reason. Bodies come as `inlineXML` (NITF or XHTML)
or `inlineData` (plain text). Identity: `guid`; version: `version` (default 1,
NewsML-G2 spec 4.2). An update or kill is a new document with the same guid and
a higher version.
"""

from __future__ import annotations

from lxml import etree

from . import nitf
from .errors import ParseError
from .item import WireItem
from .text import fold, plain_title, text_to_html
from .times import parse_iso
from .xmlpaths import Finder, namespace_of, qcode_value, strip_namespaces
from .xmlsafe import inner_xml, local_name

G2_NS = "http://iptc.org/std/nar/2006-10-01/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROOTS = {"newsItem", "newsMessage", "packageItem"}
TEXT_CLASSES = {"text", "composite", None}
STATUS = {"usable": "usable", "withheld": "withheld", "canceled": "canceled"}


def sniff(root: etree._Element) -> bool:
    """Return True for a NewsML-G2 item or message, with or without its namespace."""
    return local_name(root) in ROOTS and namespace_of(root) in (G2_NS, "")


def _signal(qcodes: list[str]) -> str | None:
    # sig:update and sig:correction are IPTC's; some agencies add a kill signal.
    codes = {qcode_value(q) for q in qcodes}
    for code, signal in (("kill", "kill"), ("correction", "correction"), ("update", "update")):
        if code in codes:
            return signal
    return None


def _xhtml_body(container: etree._Element) -> str:
    """Return the XHTML/HTML of an inlineXML; `normalize` keeps the article part."""
    strip_namespaces(container)
    return inner_xml(container)


def _body(f: Finder, item: etree._Element) -> str:
    content_set = f.find(item, "contentSet")
    if content_set is None:
        return ""
    for rendition in content_set:
        kind = local_name(rendition)
        content_type = (rendition.get("contenttype") or "").lower()
        if kind == "inlineXML":
            nitf_root = next((el for el in rendition.iter() if local_name(el) == "nitf"), None)
            if nitf_root is not None or "nitf" in content_type:
                content = None
                if nitf_root is not None:
                    content = next(
                        (el for el in nitf_root.iter() if local_name(el) == "body.content"), None
                    )
                return nitf.body_html(content) if content is not None else ""
            return _xhtml_body(rendition)
        if kind == "inlineData":
            text = rendition.text or ""
            if "html" in content_type:
                return text
            return text_to_html(text)
    return ""


def _item(f: Finder, item: etree._Element, fmt: str, inherited_lang: str | None) -> WireItem:
    guid = item.get("guid")
    if not guid:
        raise ParseError("a NewsML-G2 item has no guid, so it has no identity")
    meta = f.find(item, "itemMeta")
    content_meta = f.find(item, "contentMeta")
    pub_status = signal = ednote = None
    version_created = first_created = embargo = None
    if meta is not None:
        version_created = parse_iso(f.text(meta, "versionCreated"))
        first_created = parse_iso(f.text(meta, "firstCreated"))
        embargo = parse_iso(f.text(meta, "embargoed"))
        pub_status = STATUS.get(qcode_value(f.attr(meta, "pubStatus", "qcode")) or "")
        notes = [fold("".join(n.itertext())) for n in f.findall(meta, "edNote")]
        ednote = " ".join(n for n in notes if n) or None
        signal = _signal([s.get("qcode", "") for s in f.findall(meta, "signal")])
    headline = slugline = byline = dateline = located = creditline = language = None
    urgency = None
    subjects: list[dict[str, str]] = []
    keywords: list[str] = []
    if content_meta is not None:
        urgency_text = f.text(content_meta, "urgency")
        urgency = int(urgency_text) if urgency_text and urgency_text.isdigit() else None
        headline = f.text(content_meta, "headline")
        slugline = f.text(content_meta, "slugline")
        byline = f.text(content_meta, "by") or f.text(content_meta, "creator/name")
        dateline = f.text(content_meta, "dateline")
        located = f.text(content_meta, "located/name")
        creditline = f.text(content_meta, "creditline")
        language = f.attr(content_meta, "language", "tag")
        first_created = first_created or parse_iso(f.text(content_meta, "contentCreated"))
        for subject in f.findall(content_meta, "subject"):
            code, name = subject.get("qcode"), f.text(subject, "name")
            if code or name:
                subjects.append({k: v for k, v in (("code", code), ("name", name or code)) if v})
        keywords = [
            k
            for k in (fold("".join(e.itertext())) for e in f.findall(content_meta, "keyword"))
            if k
        ]
    return WireItem(
        format=fmt,
        item_id=guid,
        version=item.get("version") or "1",
        pub_status=pub_status or "usable",
        signal=signal,
        first_created=first_created,
        version_created=version_created,
        embargoed_until=embargo,
        urgency=urgency,
        headline=plain_title(headline),
        slugline=slugline,
        byline=byline,
        dateline=dateline,
        located=located,
        language=language or item.get(XML_LANG) or inherited_lang,
        body_html=_body(f, item),
        subjects=subjects,
        keywords=keywords,
        creditline=creditline,
        ednote=ednote,
    )


def _item_class(f: Finder, item: etree._Element) -> str | None:
    return qcode_value(f.attr(item, "itemMeta/itemClass", "qcode"))


def parse(root: etree._Element) -> list[WireItem]:
    """Return the text items of a NewsML-G2 newsItem or newsMessage."""
    f = Finder(namespace_of(root))
    kind = local_name(root)
    if kind == "packageItem":
        raise ParseError(
            "NewsML-G2 packageItem alone: its text items are delivered separately; nothing to publish"
        )
    candidates = [root] if kind == "newsItem" else f.findall(root, "itemSet/*")
    language = root.get(XML_LANG)
    items, refused = [], []
    for candidate in candidates:
        if local_name(candidate) != "newsItem":
            continue  # packages: their text items are read where they stand
        item_class = _item_class(f, candidate)
        if item_class not in TEXT_CLASSES:
            refused.append(item_class)
            continue
        items.append(_item(f, candidate, "newsmlg2", language))
    if not items:
        what = ", ".join(sorted({c or "unknown" for c in refused})) or "no"
        raise ParseError(
            f"NewsML-G2 {kind} has no text item ({what} items carry no text to publish)"
        )
    return items
