"""RSS 0.9x/2.0 and RSS 1.0 (RDF Site Summary) into WireItems.

RSS 2.0: https://www.rssboard.org/rss-specification ; RSS 1.0: https://web.resource.org/rss/1.0/spec
An item's identity is its `guid`, else its `link` (RSS 2.0); an RSS 1.0 item's
is its `rdf:about` (docs/design.md, "Identity"). RSS 2.0 also travels in
Userland's namespace (`http://backend.userland.com/rss2`), and RSS 0.90 is RDF
in Netscape's namespace: both are read as their plain forms.

A description is HTML by the RSS spec ("entity-encoded HTML"); a title has
no declared type and is markup only when it looks like it (`text.plain_title`).
"""

from __future__ import annotations

import re

from lxml import etree

from .atom import author_name, category_subject, content_html
from .errors import ItemFailure, ParseError, guarded
from .item import WireItem
from .mediarss import ENCLOSURES, feed_pictures
from .text import absolute_url, fold, plain_title, resolve_links
from .times import parse_iso_or_rfc822, parse_rfc822
from .xmlpaths import move_namespace, namespace_of
from .xmlsafe import local_name

NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "atom": "http://www.w3.org/2005/Atom",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rss1": "http://purl.org/rss/1.0/",
    "rss090": "http://my.netscape.com/rdf/simple/0.9/",
    "media": "http://search.yahoo.com/mrss/",
}
RDF_ROOT = f"{{{NS['rdf']}}}RDF"
RDF_ABOUT = f"{{{NS['rdf']}}}about"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Namespaces RSS 0.9x/2.0 has been published in besides none (Userland's).
RSS2_NAMESPACES = ("", "http://backend.userland.com/rss2", "http://backend.userland.com/rss")
RSS2_RULE = "root <rss> (no namespace, or Userland's RSS namespace)"
RSS1_RULE = "root <rdf:RDF> (RSS 1.0, or RSS 0.90 in Netscape's namespace)"


def sniff_rss2(root: etree._Element) -> bool:
    """Return True for an RSS 0.9x/2.0 document."""
    tag = root.tag
    if tag == "rss":
        return True
    return isinstance(tag, str) and tag.endswith("}rss") and namespace_of(root) in RSS2_NAMESPACES


def sniff_rss1(root: etree._Element) -> bool:
    """Return True for an RSS 1.0 or 0.90 (RDF) document."""
    return root.tag == RDF_ROOT


# Item children by their qualified tag: one pass over an item reads them all
# (a find() per field costs more than parsing the item).
def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _in_rss1(*names: str) -> set[str]:
    return {n for name in names for n in (name, _q("rss1", name), _q("rss090", name))}


GUID = _in_rss1("guid")
LINK = _in_rss1("link")
TITLE = _in_rss1("title")
DESCRIPTION = _in_rss1("description")
PUBLISHED = {_q("dc", "date"), _q("dcterms", "issued"), _q("dcterms", "created")}
MODIFIED = {_q("atom", "updated"), _q("dcterms", "modified")}
CREATOR = {_q("dc", "creator"), _q("dc", "author"), "author"}
CATEGORY = {"category", _q("dc", "subject"), _q("media", "category")}
LANGUAGE = _q("dc", "language")
ENCODED = _q("content", "encoded")
DC_TITLE = _q("dc", "title")
DC_DESCRIPTION = _q("dc", "description")
MEDIA_TITLE = _q("media", "title")
MEDIA_DESCRIPTION = _q("media", "description")
KEYWORDS = _q("media", "keywords")
MEDIA_GROUPS = {_q("media", "group"), _q("media", "content")}
ATOM_LINK = _q("atom", "link")
# Atom elements in an RSS item: read as the RSS fields they stand for, when
# the item has no RSS or Dublin Core element of its own for them.
ATOM_PUBLISHED = _q("atom", "published")
ATOM_AUTHOR = _q("atom", "author")
ATOM_CONTENT = _q("atom", "content")
ATOM_CATEGORY = _q("atom", "category")
# What `_read_media` reads, in an item or inside a media:group or media:content.
MEDIA_TAGS = frozenset({MEDIA_TITLE, MEDIA_DESCRIPTION, KEYWORDS, *CATEGORY, *MEDIA_GROUPS})


def _text(element: etree._Element) -> str | None:
    text = element.text if len(element) == 0 else "".join(element.itertext())
    if not text:
        return None
    text = text.strip()
    return text or None


# RSS 2.0's <author> is an e-mail address, by convention with the name after
# it in brackets ("jane@agency.example (Jane Doe)"), or the other way round.
_NAMED_ADDRESS = re.compile(r"^\S+@\S+\s+\(([^()]{1,200})\)$|^([^<>]{1,200}?)\s*<\S+@\S+>$")


def _author_name(text: str) -> str:
    """Return the name in an RSS author, else the author as written."""
    match = _NAMED_ADDRESS.match(text)
    if match:
        return (match.group(1) or match.group(2)).strip() or text
    return text


def _own_text(element: etree._Element) -> str | None:
    """Return the element's own text, not that of elements nested in it."""
    text = (element.text or "").strip()
    return fold(text) or None


class _Fields:
    """What one pass over an item's children finds (the first of each, else noted)."""

    __slots__ = (
        "atom_authors",
        "atom_content",
        "atom_link",
        "atom_published",
        "creators",
        "dc_description",
        "dc_title",
        "description",
        "description_element",
        "encoded",
        "encoded_element",
        "guid",
        "guid_is_permalink",
        "keywords",
        "language",
        "link",
        "media_description",
        "media_title",
        "modified",
        "pictures",
        "pub_date",
        "published",
        "subjects",
        "title",
    )

    def __init__(self) -> None:
        self.guid: str | None = None
        self.guid_is_permalink = False
        self.link: str | None = None
        self.atom_link: str | None = None
        self.title: str | None = None
        self.description: str | None = None
        self.description_element: etree._Element | None = None
        self.encoded: str | None = None
        self.encoded_element: etree._Element | None = None
        self.pub_date: str | None = None
        self.published: str | None = None
        self.modified: str | None = None  # the last one: mature parsers let the last win
        self.creators: list[str] = []
        self.subjects: list[dict[str, str]] = []
        self.keywords: list[str] = []
        self.language: str | None = None
        # Fallbacks, used only when the plain field is missing.
        self.dc_title: str | None = None
        self.dc_description: str | None = None
        self.media_title: str | None = None
        self.media_description: str | None = None
        self.atom_published: str | None = None
        self.atom_authors: list[str] = []
        self.atom_content: etree._Element | None = None
        # Enclosures, media:content/group/thumbnail: read by `feed_pictures`.
        self.pictures: list[etree._Element] = []


def _read_media(child: etree._Element, fields: _Fields) -> None:
    """Read a Media RSS title, description, category or keywords, in an item or a group."""
    tag = child.tag
    if tag == MEDIA_TITLE:
        fields.media_title = fields.media_title or _text(child)
    elif tag == MEDIA_DESCRIPTION:
        fields.media_description = fields.media_description or _text(child)
    elif tag in CATEGORY:
        _category(child, fields)
    elif tag == KEYWORDS:
        _keywords(child, fields)
    elif tag in MEDIA_GROUPS:  # media:group and media:content hold the same elements
        for grandchild in child:
            _read_media(grandchild, fields)


def _category(element: etree._Element, fields: _Fields) -> None:
    name = _own_text(element)
    if not name:
        return
    subject = {"name": name}
    scheme = element.get("domain") or element.get("scheme")
    if scheme:
        subject["scheme"] = scheme
    if subject not in fields.subjects:
        fields.subjects.append(subject)


def _keywords(element: etree._Element, fields: _Fields) -> None:
    for keyword in (_text(element) or "").split(","):
        keyword = fold(keyword)
        if keyword and keyword not in fields.keywords:
            fields.keywords.append(keyword)


def _read(element: etree._Element) -> _Fields:
    fields = _Fields()
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in GUID:
            if fields.guid is None:
                fields.guid = _text(child)
                # RSS 2.0: isPermaLink defaults to true.
                fields.guid_is_permalink = (child.get("isPermaLink") or "true").lower() == "true"
        elif tag in LINK:
            fields.link = fields.link or _text(child)
        elif tag in TITLE:
            fields.title = fields.title or _text(child)
        elif tag == ENCODED:
            if fields.encoded is None:
                fields.encoded, fields.encoded_element = _text(child), child
        elif tag in DESCRIPTION:
            if fields.description is None:
                fields.description, fields.description_element = _text(child), child
        elif tag == "pubDate":
            fields.pub_date = _text(child)
        elif tag in PUBLISHED:
            fields.published = fields.published or _text(child)
        elif tag in MODIFIED:
            fields.modified = _text(child) or fields.modified
        elif tag in CREATOR:
            creator = _text(child)
            if creator and tag == "author":
                creator = _author_name(creator)
            if creator and creator not in fields.creators:
                fields.creators.append(creator)
        elif tag == LANGUAGE:
            fields.language = _text(child)
        elif tag == DC_TITLE:
            fields.dc_title = fields.dc_title or _text(child)
        elif tag == DC_DESCRIPTION:
            fields.dc_description = fields.dc_description or _text(child)
        elif tag == ATOM_PUBLISHED:
            fields.atom_published = fields.atom_published or _text(child)
        elif tag == ATOM_AUTHOR:
            name = author_name(child)
            if name and name not in fields.atom_authors:
                fields.atom_authors.append(name)
        elif tag == ATOM_CONTENT:
            if fields.atom_content is None:
                fields.atom_content = child
        elif tag == ATOM_CATEGORY:
            subject = category_subject(child)
            if subject and subject not in fields.subjects:
                fields.subjects.append(subject)
        elif tag in MEDIA_TAGS:
            _read_media(child, fields)
            if tag in MEDIA_GROUPS:
                fields.pictures.append(child)
        elif tag in ENCLOSURES and tag != ATOM_LINK:
            fields.pictures.append(child)
        elif (
            tag == ATOM_LINK
            and fields.atom_link is None
            and child.get("rel", "alternate") == "alternate"
        ):
            fields.atom_link = child.get("href") or None
    return fields


def _base(element: etree._Element | None, fallback: etree._Element) -> str | None:
    # lxml's `base` follows every xml:base up the tree to the document's URL.
    node = element if element is not None else fallback
    return node.base


def _item(element: etree._Element, fmt: str, language: str | None) -> WireItem:
    fields = _read(element)
    about = element.get(RDF_ABOUT)
    link = fields.link or fields.atom_link
    if link:
        link = absolute_url(link, element.base if "://" not in link else None)
    elif (
        fields.guid
        and fields.guid_is_permalink
        and fields.guid.lower().startswith(("http://", "https://"))
    ):
        # A permalink guid is the item's link when it has no <link> (RSS 2.0,
        # "isPermaLink", true by default). Only a web address, though: many
        # feeds leave the default on guids that are plain ids ("enc-1").
        link = fields.guid
    # RSS 1.0 names an item by rdf:about; RSS 2.0 by guid, else link.
    item_id = (about or fields.guid or link) if fmt == "rss1" else (fields.guid or link or about)
    if not item_id:
        raise ParseError("an item has neither guid nor link, so it has no identity")
    body = fields.encoded or fields.description
    body_element = fields.encoded_element if fields.encoded else fields.description_element
    if body is None and fields.atom_content is not None:
        # Typed as Atom types it (text, html, xhtml), links resolved on the way.
        body, body_element = content_html(fields.atom_content) or None, fields.atom_content
    body = body or fields.dc_description
    if body is None and fields.media_description:
        body = fields.media_description
    if body and ("href" in body or "src" in body):
        body = resolve_links(body, _base(body_element, element))
    return WireItem(
        format=fmt,
        item_id=item_id,
        # pubDate, else dc:date (dcterms:issued, created), else atom:published,
        # else the update time (atom:updated, dcterms:modified): the first time known.
        first_created=parse_rfc822(fields.pub_date)
        or parse_iso_or_rfc822(fields.published)
        or parse_iso_or_rfc822(fields.atom_published)
        or parse_iso_or_rfc822(fields.modified),
        version_created=parse_iso_or_rfc822(fields.modified),
        headline=plain_title(fields.title or fields.dc_title or fields.media_title),
        byline=", ".join(fields.creators or fields.atom_authors) or None,
        language=fields.language or element.get(XML_LANG) or language,
        body_html=body or "",
        subjects=fields.subjects,
        keywords=fields.keywords,
        link=link,
        pictures=feed_pictures(element, fields.pictures) if fields.pictures else [],
    )


def _cut(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="utf-8")


def _identify(element: etree._Element) -> str:
    for child in element:
        if child.tag in GUID or child.tag in LINK:
            return _text(child) or ""
    return element.get(RDF_ABOUT) or ""


def _items(
    elements: list[etree._Element], fmt: str, language: str | None
) -> list[WireItem | ItemFailure]:
    return [
        guarded(_item, element, n, _cut, _identify, fmt, language)
        for n, element in enumerate(elements, 1)
    ]


def parse_rss2(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the items of an RSS 0.9x/2.0 document."""
    if namespace_of(root):
        # Userland's namespace: the same elements as plain RSS.
        move_namespace(root, namespace_of(root), "")
    channel = root.find("channel")
    if channel is None:
        raise ParseError("RSS document has no <channel>")
    language = None
    for child in channel:
        if child.tag in ("language", LANGUAGE):
            language = _text(child)
            break
    language = language or channel.get(XML_LANG) or root.get(XML_LANG)
    # RSS 0.91 and 2.0 put items in the channel; some 0.9x feeds put them beside it.
    elements = list(channel.iterfind("item")) or list(root.iterfind("item"))
    return _items(elements, "rss2", language)


def parse_rss1(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the items of an RSS 1.0 or 0.90 (RDF) document."""
    channel = next((c for c in root if local_name(c) == "channel"), None)
    language = None
    if channel is not None:
        found = channel.find("dc:language", NS)
        language = _text(found) if found is not None else channel.get(XML_LANG)
    language = language or root.get(XML_LANG)
    elements = [c for c in root if local_name(c) == "item"]
    return _items(elements, "rss1", language)
