"""Atom 1.0 (RFC 4287) into WireItems.

Identity is the entry `id` (RFC 4287 4.2.6); `published` is the first
publication, `updated` the version time.
"""

from __future__ import annotations

import html

from lxml import etree

from .errors import ParseError
from .item import WireItem
from .text import plain_title
from .times import parse_iso
from .xmlsafe import inner_xml, text_of

ATOM = "http://www.w3.org/2005/Atom"
NS = {"a": ATOM}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def sniff(root: etree._Element) -> bool:
    """Return True for an Atom feed or a lone Atom entry."""
    return root.tag in (f"{{{ATOM}}}feed", f"{{{ATOM}}}entry")


def _content(element: etree._Element | None) -> str:
    """Return an Atom text construct as HTML (RFC 4287 3.1: text, html, xhtml)."""
    if element is None:
        return ""
    kind = element.get("type", "text")
    if kind == "xhtml":
        div = element.find("{http://www.w3.org/1999/xhtml}div")
        return inner_xml(div if div is not None else element)
    text = "".join(element.itertext())
    if kind == "html":
        return text
    return "".join(
        f"<p>{html.escape(p.strip(), quote=False)}</p>" for p in text.split("\n\n") if p.strip()
    )


def _names(element: etree._Element) -> list[str]:
    names = (text_of(a.find("a:name", NS)) for a in element.iterfind("a:author", NS))
    return [n for n in names if n]


def _entry(entry: etree._Element, authors: list[str], language: str | None) -> WireItem:
    item_id = text_of(entry.find("a:id", NS))
    if not item_id:
        raise ParseError("an Atom entry has no <id>, so it has no identity")
    link = None
    for candidate in entry.iterfind("a:link", NS):
        if candidate.get("rel", "alternate") == "alternate":
            link = candidate.get("href")
            break
    subjects = []
    for category in entry.iterfind("a:category", NS):
        term = category.get("term")
        if term:
            subject = {"name": category.get("label") or term, "code": term}
            if category.get("scheme"):
                subject["scheme"] = category.get("scheme")
            subjects.append(subject)
    body = _content(entry.find("a:content", NS)) or _content(entry.find("a:summary", NS))
    byline = ", ".join(_names(entry) or authors) or None
    return WireItem(
        format="atom",
        item_id=item_id,
        first_created=parse_iso(text_of(entry.find("a:published", NS))),
        version_created=parse_iso(text_of(entry.find("a:updated", NS))),
        headline=plain_title(text_of(entry.find("a:title", NS))),
        byline=byline,
        language=entry.get(XML_LANG) or language,
        body_html=body,
        subjects=subjects,
        link=link,
        creditline=text_of(entry.find("a:rights", NS)),
    )


def parse(root: etree._Element) -> list[WireItem]:
    """Return the entries of an Atom feed (or the one entry of an entry document)."""
    if root.tag == f"{{{ATOM}}}entry":
        return [_entry(root, [], root.get(XML_LANG))]
    authors = _names(root)
    language = root.get(XML_LANG)
    return [_entry(entry, authors, language) for entry in root.iterfind("a:entry", NS)]
