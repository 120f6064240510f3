"""Parse XML without the dangers of XML: no entities, no network, bounded size."""

from __future__ import annotations

import re
import threading
from html.entities import html5

from lxml import etree

from .errors import ParseError

_local = threading.local()


class MalformedXML(ParseError):
    """The bytes are not well-formed XML (what a feed's repairs may mend)."""


# HTML's named entities, which feeds use without declaring them (RSS 0.91's
# DTD declared them; feedparser and browsers read them): written as numeric
# references before parsing, since entity expansion stays off. A name HTML
# does not know is kept as the text it is (`&amp;name;`).
_NAMED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{0,31});")
_HTML_ENTITIES = {
    name[:-1].encode(): "".join(f"&#{ord(c)};" for c in text).encode()
    for name, text in html5.items()
    if name.endswith(";")
}


def _parser() -> etree.XMLParser:
    # One parser a thread: lxml parsers are not thread-safe, and building one
    # per call costs more than parsing a small item.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,  # no XXE, no billion laughs
            no_network=True,  # a parser never touches the network (docs/design.md)
            load_dtd=False,
            huge_tree=False,  # libxml2's own depth and text-node limits stay on
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def _recovering_parser() -> etree.XMLParser:
    # The same guards as the strict parser's: only `recover` differs.
    parser = getattr(_local, "recovering_parser", None)
    if parser is None:
        parser = etree.XMLParser(
            recover=True,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _local.recovering_parser = parser
    return parser


def html_entities_as_numbers(data: bytes) -> bytes:
    """Return `data` with HTML's named entities written as numeric references."""
    # `in` finds a byte at memchr's speed; the pattern scans a byte at a time.
    if b"&" in data and _NAMED_ENTITY.search(data) and b"<!ENTITY" not in data:
        return _NAMED_ENTITY.sub(_numeric_entity, data)
    return data


def refuse_declared_entities(root: etree._Element) -> None:
    """Raise ParseError when the document of `root` declares entities in its DOCTYPE."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # Even unexpanded, declared entities mean the sender tried XXE or an
        # entity bomb, or relies on entities we will not expand: refuse clearly.
        raise ParseError(DECLARES_ENTITIES)


DECLARES_ENTITIES = "XML declares entities in its DOCTYPE; refused (entity expansion is off)"


def parse_xml_recovering(
    data: bytes, base_url: str | None = None
) -> tuple[etree._Element, list[tuple[int, int]]]:
    """Return the root libxml2's recovering parser makes of `data`, and where it mended it.

    Where: each (line, column) the parser reported an error at and went on.

    The last resort for a feed that strict parsing and the repairs could not
    read: no entity is expanded, no network reached, no size limit lifted.
    """
    parser = _recovering_parser()
    try:
        root = etree.fromstring(html_entities_as_numbers(data), parser, base_url=base_url)
    except etree.XMLSyntaxError as exc:
        raise MalformedXML(f"malformed XML, past recovery: {exc}") from None
    if root is None:
        raise MalformedXML("malformed XML, past recovery: no root element")
    refuse_declared_entities(root)
    return root, sorted({(error.line, error.column) for error in parser.error_log})


def _numeric_entity(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    return _HTML_ENTITIES.get(name) or b"&amp;" + name + b";"


# A namespace declaration; its URI is written again without the characters a
# URI cannot hold (RFC 3986: spaces, say), percent-encoded.
_NAMESPACE_DECLARATION = re.compile(rb"""(\sxmlns(?::[\w.\-]+)?\s*=\s*)(["'])([^"'<>]*)\2""")


def _encoded_namespace(match: re.Match[bytes]) -> bytes:
    uri = match.group(3).strip().replace(b" ", b"%20").replace(b"\t", b"%09")
    return match.group(1) + match.group(2) + uri + match.group(2)


def _is_namespace_uri_error(error: etree.XMLSyntaxError) -> bool:
    # libxml2 reports a namespace URI that is not a valid URI (one with a
    # space, say) as an error, though the Namespaces spec only calls such a
    # name unusual: the document is well formed, and is read.
    return error.code == etree.ErrorTypes.WAR_NS_URI


def parse_xml(data: bytes, base_url: str | None = None) -> etree._Element:
    """Return the root element of `data`, or raise ParseError saying why not.

    `base_url` is where the document came from: relative links in it are
    resolved against it (and against its `xml:base` attributes).
    """
    data = html_entities_as_numbers(data)
    try:
        try:
            root = etree.fromstring(data, _parser(), base_url=base_url)
        except etree.XMLSyntaxError as exc:
            if not _is_namespace_uri_error(exc):
                raise
            data = _NAMESPACE_DECLARATION.sub(_encoded_namespace, data)
            root = etree.fromstring(data, _parser(), base_url=base_url)
    except etree.XMLSyntaxError as exc:
        if "encoding" in str(exc).lower() or "utf-8" in str(exc).lower():
            raise ParseError(
                f"bytes do not match the XML's declared encoding ({exc}); set the source's "
                "encoding if the agency declares the wrong one"
            ) from None
        raise MalformedXML(f"malformed XML: {exc}") from None
    if root is None:
        raise MalformedXML("malformed XML: no root element")
    refuse_declared_entities(root)
    return root


def local_name(element: etree._Element) -> str:
    """Return the tag of `element` without its namespace."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def text_of(element: etree._Element | None) -> str | None:
    """Return the stripped text of `element` and its children, or None when empty."""
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


# HTML's void elements: the only ones an HTML parser closes by themselves.
VOID_ELEMENTS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)


def inner_xml(element: etree._Element) -> str:
    """Return the serialised children of `element` (XHTML content, to be read as HTML).

    An empty element is written `<x></x>`, not `<x/>`: an HTML parser reads
    `<iframe/>` as an open iframe that swallows the text after it.
    """
    serialised = _serialise_children(element)
    if "/>" not in serialised:
        return serialised  # no empty element: the common case, one pass
    for child in element.iterdescendants():
        if (
            child.text is None
            and len(child) == 0
            and isinstance(child.tag, str)
            and child.tag.rpartition("}")[2].lower() not in VOID_ELEMENTS
        ):
            child.text = ""
    return _serialise_children(element)


def _serialise_children(element: etree._Element) -> str:
    # The leading text is character data, as the tails tostring() writes are:
    # escaped once, so a literal "<p>" in the text stays text, never a tag.
    parts = [_escape_text(element.text or "")]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


def _escape_text(text: str) -> str:
    """Return character data as XML writes it (`&`, `<` and `>` escaped)."""
    if "&" not in text and "<" not in text and ">" not in text:
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def leaf_text(element: etree._Element | None) -> str | None:
    """Return the text of `element` with whitespace folded, or None when empty (fast for leaves)."""
    if element is None:
        return None
    text = element.text if len(element) == 0 else "".join(element.itertext())
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text
