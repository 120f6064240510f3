"""NITF 3.x (News Industry Text Format), with or without its namespace.

Identity: `docdata/du-key/@key` groups the versions of one story (NITF 3.6,
"du-key: dynamic use key"), else `doc-id/@id-string`. Version: the du-key's
`version`, else `date.issue`. Urgency 1 (high) .. 8 (low) is already on the
IPTC scale. `ed-msg` is kept for the desk and never published.
"""

from __future__ import annotations

from lxml import etree

from .errors import ItemFailure, ParseError, guarded
from .item import PubStatus, Signal, WireItem
from .numbers import is_number
from .pictures import PictureRef, Rendition, as_int, choose, clean
from .text import plain_title
from .times import parse_iso
from .xmlpaths import strip_namespaces
from .xmlsafe import VOID_ELEMENTS, leaf_text, local_name

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
STATUS: dict[str, PubStatus] = {
    "usable": "usable",
    "embargoed": "usable",
    "withheld": "withheld",
    "canceled": "canceled",
}


def sniff(root: etree._Element) -> bool:
    """Return True for an NITF document."""
    return local_name(root) == "nitf"


def body_html(content: etree._Element, stripped: bool = False) -> str:
    """Return NITF `body.content` as HTML (tags renamed, media references dropped).

    `stripped`: its namespaces were already removed (a whole NITF document is
    stripped once, before it is read).
    """
    if not stripped:
        strip_namespaces(content)
    for element in list(content.iter()):
        if not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        if element.tag in DROP and parent is not None:
            parent.remove(element)
        elif element.tag in RENAME:
            element.tag = RENAME[element.tag]
    html = _serialise(content)
    if "/>" not in html:
        return html
    for element in content.iterdescendants():
        if element.text is None and len(element) == 0 and element.tag not in VOID_ELEMENTS:
            element.text = ""  # `<x></x>`: HTML reads `<x/>` as an element left open
    return _serialise(content)


def _serialise(content: etree._Element) -> str:
    return "".join(
        [etree.tostring(child, encoding="unicode", with_tail=False) for child in content]
    )


_text = leaf_text


def parse_document(root: etree._Element, fmt: str = "nitf") -> WireItem:
    """Return the one item of an NITF document, with or without its namespace.

    One pass over the children of head, docdata and body.head: a find() per
    field costs more than parsing a story.
    """
    strip_namespaces(root)
    pictures = _media(root)  # before the body's media are rewritten as figures
    doc_id = du_key = du_version = headline = byline = dateline = title = None
    first_created = version_created = release = None
    urgency = status = None
    signal: Signal | None = None
    notes: list[str] = []
    keywords: list[str] = []
    subjects: list[dict[str, str]] = []
    html = ""
    for part in root:
        if part.tag == "head":
            for child in part:
                tag = child.tag
                if tag == "title":
                    title = _text(child)
                elif tag == "pubdata":
                    first_created = parse_iso(child.get("date.publication"))
                elif tag == "tobject":
                    for subject in child.iterfind("tobject.subject"):
                        code = subject.get("tobject.subject.refnum")
                        name = subject.get("tobject.subject.matter") or subject.get(
                            "tobject.subject.type"
                        )
                        if code or name:
                            subjects.append(
                                {k: v for k, v in (("code", code), ("name", name or code)) if v}
                            )
                elif tag == "docdata":
                    # NITF 3.x: an attribute of docdata (usable, embargoed, withheld, canceled).
                    status = STATUS.get((child.get("management-status") or "").strip().lower())
                    for data in child:
                        tag = data.tag
                        if tag == "doc-id":
                            doc_id = data.get("id-string")
                        elif tag == "du-key":
                            du_key, du_version = data.get("key"), data.get("version")
                        elif tag == "date.issue":
                            version_created = parse_iso(data.get("norm"))
                        elif tag == "date.release":
                            release = parse_iso(data.get("norm"))
                        elif tag == "urgency" and is_number(data.get("ed-urg") or ""):
                            urgency = int(data.get("ed-urg"))
                        elif tag == "ed-msg":
                            note = data.get("info") or _text(data)
                            if note:
                                notes.append(note)
                        elif tag == "correction":
                            signal = "correction"
                        elif tag == "key-list":
                            keywords = [
                                k.get("key") for k in data.iterfind("keyword") if k.get("key")
                            ]
        elif part.tag == "body":
            for child in part:
                if child.tag == "body.head":
                    for line in child:
                        if line.tag == "hedline":
                            hl1 = next((h for h in line if h.tag == "hl1"), None)
                            headline = _text(hl1)
                        elif line.tag == "byline":
                            byline = _text(line)
                        elif line.tag == "dateline":
                            dateline = _text(line)
                elif child.tag == "body.content":
                    html = body_html(child, stripped=True)
    item_id = du_key or doc_id
    if not item_id:
        raise ParseError("NITF has neither du-key nor doc-id, so it has no identity")
    embargo = None
    if release is not None and (version_created is None or _after(release, version_created)):
        embargo = release
    return WireItem(
        format=fmt,
        item_id=item_id,
        version=du_version if du_key and du_version else None,
        pub_status=status or "usable",
        signal=signal,
        first_created=first_created or version_created,
        version_created=version_created,
        embargoed_until=embargo,
        urgency=urgency,
        headline=plain_title(headline or title),
        slugline=du_key,
        byline=byline,
        dateline=dateline,
        language=root.get("baselang") or root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        body_html=html,
        subjects=subjects,
        keywords=keywords,
        ednote=" ".join(notes) or None,
        pictures=pictures,
    )


def _media(root: etree._Element) -> list[PictureRef]:
    """Return the images of NITF `<media media-type="image">`, each with its caption and producer."""
    pictures = []
    for media in root.iter("media"):
        if (media.get("media-type") or "image").lower() not in ("image", "graphic", "photo"):
            continue
        renditions = [
            Rendition(href=(r.get("source") or "").strip(), width=as_int(r.get("width")),
                      height=as_int(r.get("height")), mime=r.get("mime-type"), name="")
            for r in media.iter("media-reference")
        ]  # fmt: skip
        best = choose(renditions)
        if best is None:
            continue
        reference = next(r for r in media.iter("media-reference") if r.get("source") == best.href)
        caption = next(media.iter("media-caption"), None)
        producer = next(media.iter("media-producer"), None)
        pictures.append(
            PictureRef(
                href=best.href, caption=clean("".join(caption.itertext())) if caption is not None else None,
                alt=clean(reference.get("alternate-text")),
                credit=clean("".join(producer.itertext())) if producer is not None else None,
                width=best.width, height=best.height, mime=best.mime,
            )
        )  # fmt: skip
    return pictures


def _after(later, earlier) -> bool:
    try:
        return later > earlier
    except TypeError:  # one with an offset, one without: compare wall clocks
        return later.replace(tzinfo=None) > earlier.replace(tzinfo=None)


def _cut(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8")


def parse(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the item of an NITF document."""
    return [guarded(parse_document, root, 1, _cut)]
