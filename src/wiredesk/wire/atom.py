"""Atom 1.0 (RFC 4287), Atom 0.3 and namespace-less Atom into WireItems.

Identity is the entry `id` (RFC 4287 4.2.6), else its alternate link;
`published` is the first publication, `updated` the version time (the last
one, where a feed repeats it, as mature parsers read it). Atom 0.3 (the
pre-RFC draft, `http://purl.org/atom/ns#`) names them `issued` and
`modified`, and types content by MIME type and `mode` (escaped, xml, base64);
its elements, and those of an Atom feed sent without its namespace, are read
as Atom 1.0's. Relative links resolve against `xml:base` and the feed's own
URL (RFC 4287 section 2, RFC 3986 section 5).
"""

from __future__ import annotations

import base64
import binascii
import html

from lxml import etree

from .errors import ItemFailure, ParseError, guarded
from .item import WireItem
from .mediarss import ENCLOSURES, feed_pictures
from .text import absolute_url, is_relative, plain_title, resolve_links
from .times import parse_iso_or_rfc822
from .xmlpaths import move_namespace, namespace_of, strip_namespaces
from .xmlsafe import inner_xml, local_name, text_of

ATOM = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
NS = {"a": ATOM}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROOTS = frozenset({f"{{{ATOM}}}feed", f"{{{ATOM}}}entry"})
RULE = "root <feed> or <entry> in Atom 1.0's namespace, Atom 0.3's, or none"


def _a(name: str) -> str:
    return f"{{{ATOM}}}{name}"


ID, TITLE, LINK, CONTENT, SUMMARY = _a("id"), _a("title"), _a("link"), _a("content"), _a("summary")
PUBLISHED = {_a("published"), _a("issued")}
CREATED = _a("created")  # Atom 0.3: when the entry was made, a fallback for `issued`
UPDATED = {_a("updated"), _a("modified")}
AUTHOR, CATEGORY, RIGHTS = _a("author"), _a("category"), _a("rights")
COPYRIGHT = _a("copyright")  # Atom 0.3's `rights`
TEXT_TYPES = {"text", "text/plain"}
HTML_TYPES = {"html", "text/html"}


def sniff(root: etree._Element) -> bool:
    """Return True for an Atom feed or a lone Atom entry (1.0, 0.3, or without namespace)."""
    tag = root.tag
    if tag in ROOTS:
        return True
    return local_name(root) in ("feed", "entry") and namespace_of(root) in (ATOM03, "")


def _kind(element: etree._Element) -> str:
    """Return "text", "html" or "xhtml" for an Atom text or content construct."""
    declared = (element.get("type") or "text").strip().lower()
    mode = (element.get("mode") or "").lower()  # Atom 0.3
    if declared in TEXT_TYPES:
        return "html" if mode == "escaped" and declared != "text/plain" else "text"
    if declared in HTML_TYPES:
        return "html"
    if declared in ("xhtml", "application/xhtml+xml") or mode == "xml":
        return "xhtml"
    if declared.endswith(("+xml", "/xml")):
        return "xhtml"
    return "html" if mode == "escaped" else "text"


def _xhtml(element: etree._Element) -> str:
    """Return the XHTML inside an Atom construct as HTML (its wrapping div left out)."""
    strip_namespaces(element)
    etree.cleanup_namespaces(element)
    div = next((c for c in element if local_name(c) == "div"), None)
    if div is not None and not (element.text or "").strip() and len(element) == 1:
        return inner_xml(div)
    return inner_xml(element)


def _html_children(element: etree._Element) -> str:
    """Return HTML sent as child elements of an html construct, serialised as HTML.

    RFC 4287 (3.1.1.2) wants html content escaped; publishers also send it as
    elements, and other readers keep that markup. Each link resolves against
    its own `xml:base` and its ancestors' before the elements lose their place.
    """
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        for attribute in ("href", "src"):
            value = node.get(attribute)
            if value and is_relative(value):
                node.set(attribute, absolute_url(value, node.base) or value)
    strip_namespaces(element)
    etree.cleanup_namespaces(element)
    return inner_xml(element)


def _raw(element: etree._Element) -> str:
    text = "".join(element.itertext())
    if (element.get("mode") or "").lower() == "base64":
        try:
            return base64.b64decode(text, validate=False).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            raise ParseError("Atom 0.3 content in mode base64 is not base64") from None
    return text


def content_html(element: etree._Element | None) -> str:
    """Return an Atom text construct as HTML (RFC 4287 3.1: text, html, xhtml)."""
    if element is None:
        return ""
    kind = _kind(element)
    if kind == "xhtml":
        body = _xhtml(element)
    elif kind == "html" and len(element) and element.get("mode") != "base64":
        body = _html_children(element)
    else:
        text = _raw(element)
        if kind == "html":
            body = text
        else:
            return "".join(
                f"<p>{html.escape(p.strip(), quote=False)}</p>"
                for p in text.split("\n\n")
                if p.strip()
            )
    if "href" in body or "src" in body:
        body = resolve_links(body, element.base)
    return body


def _title(element: etree._Element | None) -> str:
    if element is None:
        return ""
    kind = _kind(element)
    if kind == "xhtml":
        return plain_title(_xhtml(element), "html")
    return plain_title(_raw(element), kind)


def author_name(author: etree._Element) -> str | None:
    """Return an Atom author's name (an author with no name is known by its e-mail address)."""
    return text_of(author.find("a:name", NS)) or text_of(author.find("a:email", NS))


def _names(element: etree._Element) -> list[str]:
    """Return the authors' names."""
    names = (author_name(a) for a in element.iterfind("a:author", NS))
    return [n for n in names if n]


def category_subject(category: etree._Element) -> dict[str, str] | None:
    """Return an Atom category as a subject: its label, else its term, as the name.

    RFC 4287 (4.2.2) requires `term`; a category sent with only a `label` is
    kept, by its label, as other readers keep it.
    """
    term = (category.get("term") or "").strip()
    label = (category.get("label") or "").strip()
    if not term and not label:
        return None
    subject = {"name": label or term}
    if term:
        subject["code"] = term
    if category.get("scheme"):
        subject["scheme"] = category.get("scheme") or ""
    return subject


def _link(entry: etree._Element) -> str | None:
    for candidate in entry.iterfind("a:link", NS):
        if candidate.get("rel", "alternate") != "alternate":
            continue
        href = candidate.get("href") or text_of(candidate)  # some feeds write the URL as text
        if href:
            return absolute_url(href, candidate.base)
    return None


def _entry(entry: etree._Element, authors: list[str], language: str | None) -> WireItem:
    item_id = title = content = summary = published = created = updated = rights = None
    subjects = []
    enclosures = []
    for child in entry:
        tag = child.tag
        if tag in ENCLOSURES:
            enclosures.append(child)
        if tag == ID:
            item_id = item_id or text_of(child)
        elif tag == TITLE:
            title = title if title is not None else child
        elif tag == CONTENT:
            content = content if content is not None else child
        elif tag == SUMMARY:
            summary = summary if summary is not None else child
        elif tag in PUBLISHED:
            published = published or text_of(child)
        elif tag == CREATED:
            created = created or text_of(child)
        elif tag in UPDATED:
            updated = text_of(child) or updated  # the last one wins
        elif tag == CATEGORY:
            subject = category_subject(child)
            if subject:
                subjects.append(subject)
        elif tag in (RIGHTS, COPYRIGHT):
            rights = rights or text_of(child)
    link = _link(entry)
    item_id = item_id or link
    if not item_id:
        raise ParseError("an Atom entry has neither <id> nor a link, so it has no identity")
    body = content_html(content) or content_html(summary)
    byline = ", ".join(_names(entry) or authors) or None
    return WireItem(
        format="atom",
        item_id=item_id,
        first_created=parse_iso_or_rfc822(published) or parse_iso_or_rfc822(created),
        version_created=parse_iso_or_rfc822(updated),
        headline=_title(title),
        byline=byline,
        language=entry.get(XML_LANG)
        or (content.get(XML_LANG) if content is not None else None)
        or language,
        body_html=body,
        subjects=subjects,
        link=link,
        creditline=rights,
        pictures=feed_pictures(entry, enclosures) if enclosures else [],
    )


def _cut(entry: etree._Element) -> bytes:
    return etree.tostring(entry, encoding="utf-8")


def _identify(entry: etree._Element) -> str:
    return text_of(entry.find(ID)) or ""


def parse(root: etree._Element) -> list[WireItem | ItemFailure]:
    """Return the entries of an Atom feed (or the one entry of an entry document)."""
    ns = namespace_of(root)
    if ns != ATOM:
        move_namespace(root, ns, ATOM)
    if root.tag == _a("entry"):
        return [guarded(_entry, root, 1, _cut, _identify, [], root.get(XML_LANG))]
    authors = _names(root)
    language = root.get(XML_LANG)
    return [
        guarded(_entry, entry, n, _cut, _identify, authors, language)
        for n, entry in enumerate(root.iterfind("a:entry", NS), 1)
    ]
