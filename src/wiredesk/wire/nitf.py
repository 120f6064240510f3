"""NITF 3.x (News Industry Text Format), with or without its namespace.

Read in two steps, as `rss.py` reads: `read_document` walks the document once
and fills an `NitfRecord` with what it says (attribute values and texts as
written, every urgency, ed-msg and subject in order, its `<media>`);
`adapt` takes the decisions and makes the WireItem.

Identity: `docdata/du-key/@key` groups the versions of one story (NITF 3.6,
"du-key: dynamic use key"), else `doc-id/@id-string`, else the root's `uno`
(NITF's "Universal Name Object", the document's unique name; a blank value
counts as none). Version: the du-key's
`version`, else `date.issue`. Urgency 1 (high) .. 8 (low) is already on the
IPTC scale. `ed-msg` is kept for the desk and never published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from lxml import etree

from .errors import ItemFailure, ParseError, guarded
from .item import PubStatus, WireItem
from .numbers import is_number
from .pictures import PictureRef, Rendition, as_int, choose, clean
from .records import blank, record
from .text import plain_title
from .times import parse_iso
from .xmlpaths import strip_namespaces
from .xmlsafe import VOID_ELEMENTS, leaf_text, local_name

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# NITF body elements and their HTML counterparts; others are unwrapped by the
# sanitiser (their text kept), and these are dropped as they carry no copy.
RENAME = {
    "hl1": "h2",
    "hl2": "h2",
    "block": "div",
    "media": "figure",
    "media-caption": "figcaption",
    "fn": "span",
    "note": "aside",
    "bq": "blockquote",
    "credit": "small",
    "dl": "dl",
    "nitf-table": "table",
}
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


class MediaReference(NamedTuple):
    """A `media-reference`'s attributes, as written."""

    source: str | None = None
    width: str | None = None
    height: str | None = None
    mime_type: str | None = None
    alternate_text: str | None = None


class NitfMedia(NamedTuple):
    """A `<media>`: its type, its references, and the text of its caption and producer."""

    media_type: str | None = None
    references: tuple[MediaReference, ...] = ()
    caption: str | None = None  # the first media-caption's text, as written
    producer: str | None = None  # the first media-producer's text, as written


@dataclass(frozen=True)
class NitfRecord:
    """What an NITF document says, before any decision (`adapt` takes them).

    A single value is the last such element's or attribute's; a tuple holds
    every one, in document order. Texts have their whitespace folded, and
    nothing else done to them; attributes are as written. `body_contents`
    stay elements: making them HTML is `adapt`'s work.
    """

    doc_id: str | None = None  # docdata/doc-id/@id-string
    uno: str | None = None  # nitf/@uno
    du_key: str | None = None  # docdata/du-key/@key
    du_version: str | None = None  # docdata/du-key/@version
    title: str | None = None  # head/title
    hedline: str | None = None  # body.head/hedline/hl1
    byline: str | None = None
    dateline: str | None = None
    publication_date: str | None = None  # pubdata/@date.publication
    issue_date: str | None = None  # docdata/date.issue/@norm
    release_date: str | None = None  # docdata/date.release/@norm
    management_status: str | None = None  # docdata/@management-status
    urgencies: tuple[str | None, ...] = ()  # docdata/urgency/@ed-urg
    ed_msgs: tuple[tuple[str | None, str | None], ...] = ()  # (ed-msg/@info, its text)
    correction: bool = False  # docdata has a `correction`
    keywords: tuple[str | None, ...] = ()  # the last key-list's keyword/@key
    # (refnum, matter, type) of each tobject.subject
    subjects: tuple[tuple[str | None, str | None, str | None], ...] = ()
    baselang: str | None = None
    xml_lang: str | None = None
    media: tuple[NitfMedia, ...] = ()
    body_contents: tuple[etree._Element, ...] = ()


BLANK = blank(NitfRecord)


def read_document(root: etree._Element) -> NitfRecord:
    """Return what an NITF document says, its namespace stripped first (in place).

    One pass over the children of head, docdata and body.head: a find() per
    field costs more than parsing a story.
    """
    strip_namespaces(root)
    found = {
        **BLANK,
        "baselang": root.get("baselang"),
        "xml_lang": root.get(XML_LANG),
        "uno": root.get("uno"),
    }
    for part in root:
        tag = part.tag
        if tag == "head":
            _read_head(part, found)
        elif tag == "body":
            _read_body(part, found)
    found["media"] = tuple(map(_read_media, root.iter("media")))
    return record(NitfRecord, found)


def _read_head(head: etree._Element, found: dict[str, Any]) -> None:
    for child in head:
        tag = child.tag
        if tag == "title":
            found["title"] = _text(child)
        elif tag == "pubdata":
            found["publication_date"] = child.get("date.publication")
        elif tag == "tobject":
            found["subjects"] += tuple(
                (
                    subject.get("tobject.subject.refnum"),
                    subject.get("tobject.subject.matter"),
                    subject.get("tobject.subject.type"),
                )
                for subject in child.iterfind("tobject.subject")
            )
        elif tag == "docdata":
            found["management_status"] = child.get("management-status")
            _read_docdata(child, found)


def _read_docdata(docdata: etree._Element, found: dict[str, Any]) -> None:
    for data in docdata:
        tag = data.tag
        if tag == "doc-id":
            found["doc_id"] = data.get("id-string")
        elif tag == "du-key":
            found["du_key"], found["du_version"] = data.get("key"), data.get("version")
        elif tag == "date.issue":
            found["issue_date"] = data.get("norm")
        elif tag == "date.release":
            found["release_date"] = data.get("norm")
        elif tag == "urgency":
            found["urgencies"] += (data.get("ed-urg"),)
        elif tag == "ed-msg":
            ed_msg = (data.get("info"), _text(data))
            found["ed_msgs"] += (ed_msg,)
        elif tag == "correction":
            found["correction"] = True
        elif tag == "key-list":
            found["keywords"] = tuple(keyword.get("key") for keyword in data.iterfind("keyword"))


def _read_body(body: etree._Element, found: dict[str, Any]) -> None:
    for child in body:
        tag = child.tag
        if tag == "body.head":
            for line in child:
                line_tag = line.tag
                if line_tag == "hedline":
                    hl1 = next((h for h in line if h.tag == "hl1"), None)
                    found["hedline"] = _text(hl1)
                elif line_tag in ("byline", "dateline"):
                    found[line_tag] = _text(line)
        elif tag == "body.content":
            found["body_contents"] += (child,)


def _read_media(media: etree._Element) -> NitfMedia:
    caption = next(media.iter("media-caption"), None)
    producer = next(media.iter("media-producer"), None)
    return NitfMedia(
        media.get("media-type"),
        tuple(
            MediaReference(
                r.get("source"),
                r.get("width"),
                r.get("height"),
                r.get("mime-type"),
                r.get("alternate-text"),
            )
            for r in media.iter("media-reference")
        ),
        "".join(caption.itertext()) if caption is not None else None,
        "".join(producer.itertext()) if producer is not None else None,
    )


def adapt(record: NitfRecord, fmt: str = "nitf") -> WireItem:
    """Return the WireItem an NITF document's record makes."""
    pictures = _pictures(record.media) if record.media else []
    html = ""
    for content in record.body_contents:  # each made HTML in place; the last is the text
        html = body_html(content, stripped=True)
    ids = (record.du_key, record.doc_id, record.uno)
    item_id = next((i.strip() for i in ids if i and i.strip()), None)
    if not item_id:
        raise ParseError("NITF has neither du-key nor doc-id (nor uno), so it has no identity")
    version_created = parse_iso(record.issue_date)
    # The last urgency that is a number: IPTC's 1 (high) .. 8 (low) already.
    urgency = next(filter(is_number, filter(None, reversed(record.urgencies))), None)
    status = STATUS.get((record.management_status or "").strip().lower())
    return WireItem(
        format=fmt,
        item_id=item_id,
        version=record.du_version if record.du_key and record.du_version else None,
        pub_status=status or "usable",
        signal="correction" if record.correction else None,
        first_created=parse_iso(record.publication_date) or version_created,
        version_created=version_created,
        embargoed_until=_embargo(record.release_date, version_created)
        if record.release_date
        else None,
        urgency=int(urgency) if urgency else None,
        headline=plain_title(record.hedline or record.title),
        slugline=record.du_key,
        byline=record.byline,
        dateline=record.dateline,
        language=record.baselang or record.xml_lang,
        body_html=html,
        subjects=_subjects(record.subjects) if record.subjects else [],
        keywords=list(filter(None, record.keywords)),
        ednote=_ednote(record.ed_msgs) if record.ed_msgs else None,
        pictures=pictures,
    )


def _ednote(ed_msgs: tuple[tuple[str | None, str | None], ...]) -> str | None:
    """Return the ed-msgs for the desk: each one's `info`, else its text."""
    return " ".join(filter(None, (info or text for info, text in ed_msgs))) or None


def _embargo(release_date: str, issued: datetime | None) -> datetime | None:
    """Return the release time when it is after the issue time (or there is none)."""
    release = parse_iso(release_date)
    if release is not None and (issued is None or _after(release, issued)):
        return release
    return None


def _subjects(
    subjects: tuple[tuple[str | None, str | None, str | None], ...],
) -> list[dict[str, str]]:
    found = []
    for code, matter, kind in subjects:
        name = matter or kind
        if code or name:
            found.append({k: v for k, v in (("code", code), ("name", name or code)) if v})
    return found


def _pictures(medias: tuple[NitfMedia, ...]) -> list[PictureRef]:
    """Return the images of NITF `<media media-type="image">`, each with its caption and producer."""
    pictures = []
    for media in medias:
        if (media.media_type or "image").lower() not in ("image", "graphic", "photo"):
            continue
        renditions = [
            Rendition(
                href=(r.source or "").strip(),
                width=as_int(r.width),
                height=as_int(r.height),
                mime=r.mime_type,
                name="",
            )
            for r in media.references
        ]
        best = choose(renditions)
        if best is None:
            continue
        # By position: the href was stripped, so the written source may differ from it.
        reference = media.references[next(i for i, r in enumerate(renditions) if r is best)]
        pictures.append(
            PictureRef(
                href=best.href,
                caption=clean(media.caption),
                alt=clean(reference.alternate_text),
                credit=clean(media.producer),
                width=best.width,
                height=best.height,
                mime=best.mime,
            )
        )
    return pictures


def parse_document(root: etree._Element, fmt: str = "nitf") -> WireItem:
    """Return the one item of an NITF document, with or without its namespace."""
    return adapt(read_document(root), fmt)


def _after(later: datetime, earlier: datetime) -> bool:
    try:
        return later > earlier
    except TypeError:  # one with an offset, one without: compare wall clocks
        return later.replace(tzinfo=None) > earlier.replace(tzinfo=None)


def _cut(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8")


def parse(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the item of an NITF document."""
    return [guarded(parse_document, root, 1, _cut)]
