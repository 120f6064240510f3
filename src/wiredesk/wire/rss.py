"""RSS 2.0 and RSS 1.0 (RDF Site Summary) into WireItems.

RSS 2.0: https://www.rssboard.org/rss-specification ; RSS 1.0: https://web.resource.org/rss/1.0/spec
An item's identity is its `guid`, else its `link` (DESIGN.md, "Identity").
"""

from __future__ import annotations

from lxml import etree

from .errors import ParseError
from .item import WireItem
from .text import plain_title
from .times import parse_iso, parse_rfc822
from .xmlsafe import text_of

NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "atom": "http://www.w3.org/2005/Atom",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rss1": "http://purl.org/rss/1.0/",
    "media": "http://search.yahoo.com/mrss/",
}
RDF_ROOT = f"{{{NS['rdf']}}}RDF"


def sniff_rss2(root: etree._Element) -> bool:
    """Return True for an RSS 0.9x/2.0 document."""
    return root.tag == "rss"


def sniff_rss1(root: etree._Element) -> bool:
    """Return True for an RSS 1.0 (RDF) document."""
    return root.tag == RDF_ROOT


# Item children by their qualified tag: one pass over an item reads them all
# (a find() per field costs more than parsing the item).
def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


GUID = {"guid", _q("rss1", "guid")}
LINK = {"link", _q("rss1", "link")}
TITLE = {"title", _q("rss1", "title")}
DESCRIPTION = {"description", _q("rss1", "description")}
PUBLISHED = {_q("dc", "date"), _q("dcterms", "issued")}
MODIFIED = {_q("atom", "updated"), _q("dcterms", "modified")}
CREATOR = {_q("dc", "creator"), "author"}
CATEGORY = {"category", _q("dc", "subject")}
LANGUAGE = _q("dc", "language")
ENCODED = _q("content", "encoded")
KEYWORDS = _q("media", "keywords")


def _text(element: etree._Element) -> str | None:
    text = element.text if len(element) == 0 else "".join(element.itertext())
    if not text:
        return None
    text = text.strip()
    return text or None


def _item(element: etree._Element, fmt: str, language: str | None) -> WireItem:
    guid = link = title = description = encoded = creator = None
    pub_date = published = modified = keywords_text = item_language = None
    subjects = []
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in GUID:
            guid = guid or _text(child)
        elif tag in LINK:
            link = link or _text(child)
        elif tag in TITLE:
            title = title or _text(child)
        elif tag == ENCODED:
            encoded = encoded or _text(child)
        elif tag in DESCRIPTION:
            description = description or _text(child)
        elif tag == "pubDate":
            pub_date = _text(child)
        elif tag in PUBLISHED:
            published = published or _text(child)
        elif tag in MODIFIED:
            modified = modified or _text(child)
        elif tag in CREATOR:
            creator = creator or _text(child)
        elif tag in CATEGORY:
            name = _text(child)
            if name:
                subject = {"name": name}
                if child.get("domain"):
                    subject["scheme"] = child.get("domain")
                subjects.append(subject)
        elif tag == LANGUAGE:
            item_language = _text(child)
        elif tag == KEYWORDS:
            keywords_text = _text(child)
    item_id = guid or link or element.get(f"{{{NS['rdf']}}}about")
    if not item_id:
        raise ParseError("an item has neither guid nor link, so it has no identity")
    keywords = [k.strip() for k in keywords_text.split(",") if k.strip()] if keywords_text else []
    return WireItem(
        format=fmt,
        item_id=item_id,
        first_created=parse_rfc822(pub_date) or parse_iso(published),
        version_created=parse_iso(modified),
        headline=plain_title(title),
        byline=creator,
        language=item_language or language,
        body_html=encoded or description or "",
        subjects=subjects,
        keywords=keywords,
        link=link,
    )


def parse_rss2(root: etree._Element) -> list[WireItem]:
    """Return the items of an RSS 2.0 document."""
    channel = root.find("channel")
    if channel is None:
        raise ParseError("RSS document has no <channel>")
    language = text_of(channel.find("language"))
    return [_item(item, "rss2", language) for item in channel.iterfind("item")]


def parse_rss1(root: etree._Element) -> list[WireItem]:
    """Return the items of an RSS 1.0 (RDF) document."""
    channel = root.find("rss1:channel", NS)
    language = None if channel is None else text_of(channel.find("dc:language", NS))
    return [_item(item, "rss1", language) for item in root.iterfind("rss1:item", NS)]
