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


def _first(element: etree._Element, *paths: str) -> etree._Element | None:
    for path in paths:
        found = element.find(path, NS)
        if found is not None:
            return found
    return None


def _item(element: etree._Element, fmt: str, language: str | None) -> WireItem:
    guid = text_of(_first(element, "guid", "rss1:guid"))
    link = text_of(_first(element, "link", "rss1:link"))
    about = element.get(f"{{{NS['rdf']}}}about")
    item_id = guid or link or about
    if not item_id:
        raise ParseError("an item has neither guid nor link, so it has no identity")
    published = parse_rfc822(text_of(element.find("pubDate"))) or parse_iso(
        text_of(_first(element, "dc:date", "dcterms:issued"))
    )
    modified = parse_iso(text_of(_first(element, "atom:updated", "dcterms:modified")))
    body = text_of(element.find("content:encoded", NS)) or text_of(
        _first(element, "description", "rss1:description")
    )
    categories = element.findall("category") + element.findall("dc:subject", NS)
    subjects = []
    for category in categories:
        name = text_of(category)
        if name:
            subject = {"name": name}
            if category.get("domain"):
                subject["scheme"] = category.get("domain")
            subjects.append(subject)
    keywords_text = text_of(element.find("media:keywords", NS))
    keywords = [k.strip() for k in keywords_text.split(",") if k.strip()] if keywords_text else []
    return WireItem(
        format=fmt,
        item_id=item_id,
        first_created=published,
        version_created=modified,
        headline=plain_title(text_of(_first(element, "title", "rss1:title"))),
        byline=text_of(_first(element, "dc:creator", "author")),
        language=text_of(element.find("dc:language", NS)) or language,
        body_html=body or "",
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
