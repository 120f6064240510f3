"""NITF 3.x (News Industry Text Format), with or without its namespace.

Identity: `docdata/du-key/@key` groups the versions of one story (NITF 3.6,
"du-key: dynamic use key"), else `doc-id/@id-string`. Version: the du-key's
`version`, else `date.issue`. Urgency 1 (high) .. 8 (low) is already on the
IPTC scale. `ed-msg` is kept for the desk and never published.
"""

from __future__ import annotations

from lxml import etree

from .errors import ParseError
from .item import WireItem
from .text import fold, plain_title
from .times import parse_iso
from .xmlpaths import strip_namespaces
from .xmlsafe import local_name

# NITF body elements and their HTML counterparts; others are unwrapped by the
# sanitiser (their text kept), and these are dropped as they carry no copy.
RENAME = {
    "hl1": "h2", "hl2": "h2", "block": "div", "media": "figure",
    "media-caption": "figcaption", "fn": "span", "note": "aside", "bq": "blockquote",
    "credit": "small", "dl": "dl", "nitf-table": "table",
}  # fmt: skip
DROP = {
    "media-reference",
    "media-metadata",
    "media-object",
    "media-producer",
    "nitf-table-metadata",
}
STATUS = {"usable": "usable", "embargoed": "usable", "withheld": "withheld", "canceled": "canceled"}


def sniff(root: etree._Element) -> bool:
    """Return True for an NITF document."""
    return local_name(root) == "nitf"


def body_html(content: etree._Element) -> str:
    """Return NITF `body.content` as HTML (tags renamed, media references dropped)."""
    strip_namespaces(content)
    for element in list(content.iter()):
        if not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        if element.tag in DROP and parent is not None:
            parent.remove(element)
        elif element.tag in RENAME:
            element.tag = RENAME[element.tag]
    parts = [etree.tostring(child, encoding="unicode", with_tail=False) for child in content]
    return "".join(parts)


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = fold("".join(element.itertext()))
    return text or None


def parse_document(root: etree._Element, fmt: str = "nitf") -> WireItem:
    """Return the one item of an NITF document (namespaces already stripped or absent)."""
    strip_namespaces(root)
    head = root.find("head")
    body = root.find("body")
    docdata = head.find("docdata") if head is not None else None
    doc_id = du_key = du_version = None
    first_created = version_created = embargo = None
    urgency = status = ednote = signal = None
    keywords: list[str] = []
    subjects: list[dict[str, str]] = []
    if docdata is not None:
        found = docdata.find("doc-id")
        doc_id = found.get("id-string") if found is not None else None
        found = docdata.find("du-key")
        if found is not None:
            du_key, du_version = found.get("key"), found.get("version")
        found = docdata.find("date.issue")
        version_created = parse_iso(found.get("norm")) if found is not None else None
        found = docdata.find("date.release")
        release = parse_iso(found.get("norm")) if found is not None else None
        found = docdata.find("urgency")
        if found is not None and (found.get("ed-urg") or "").isdigit():
            urgency = int(found.get("ed-urg"))
        # NITF 3.x: an attribute of docdata (usable, embargoed, withheld, canceled).
        status = STATUS.get((docdata.get("management-status") or "").strip().lower())
        notes = [m.get("info") or _text(m) for m in docdata.iterfind("ed-msg")]
        ednote = " ".join(n for n in notes if n) or None
        if docdata.find("correction") is not None:
            signal = "correction"
        keywords = [k.get("key") for k in docdata.iterfind("key-list/keyword") if k.get("key")]
        if release is not None and (version_created is None or _after(release, version_created)):
            embargo = release
    if head is not None:
        for subject in head.iterfind("tobject/tobject.subject"):
            code = subject.get("tobject.subject.refnum")
            name = subject.get("tobject.subject.matter") or subject.get("tobject.subject.type")
            if code or name:
                subjects.append({k: v for k, v in (("code", code), ("name", name or code)) if v})
        pubdata = head.find("pubdata")
        if pubdata is not None:
            first_created = parse_iso(pubdata.get("date.publication"))
    item_id = du_key or doc_id
    if not item_id:
        raise ParseError("NITF has neither du-key nor doc-id, so it has no identity")
    headline = byline = dateline = None
    html = ""
    if body is not None:
        body_head = body.find("body.head")
        if body_head is not None:
            headline = _text(body_head.find("hedline/hl1"))
            byline = _text(body_head.find("byline"))
            dateline = _text(body_head.find("dateline"))
        content = body.find("body.content")
        if content is not None:
            html = body_html(content)
    if headline is None and head is not None:
        headline = _text(head.find("title"))
    version = du_version if du_key and du_version else None
    return WireItem(
        format=fmt,
        item_id=item_id,
        version=version,
        pub_status=status or "usable",
        signal=signal,
        first_created=first_created or version_created,
        version_created=version_created,
        embargoed_until=embargo,
        urgency=urgency,
        headline=plain_title(headline),
        byline=byline,
        slugline=du_key,
        dateline=dateline,
        language=root.get("baselang") or root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        body_html=html,
        subjects=subjects,
        keywords=keywords,
        ednote=ednote,
    )


def _after(later, earlier) -> bool:
    try:
        return later > earlier
    except TypeError:  # one with an offset, one without: compare wall clocks
        return later.replace(tzinfo=None) > earlier.replace(tzinfo=None)


def parse(root: etree._Element) -> list[WireItem]:
    """Return the item of an NITF document."""
    return [parse_document(root)]
