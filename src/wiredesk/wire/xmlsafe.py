"""Parse XML without the dangers of XML: no entities, no network, bounded size."""

from __future__ import annotations

import threading

from lxml import etree

from .errors import ParseError

_local = threading.local()


def _parser() -> etree.XMLParser:
    # One parser a thread: lxml parsers are not thread-safe, and building one
    # per call costs more than parsing a small item.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,  # no XXE, no billion laughs
            no_network=True,  # a parser never touches the network (DESIGN.md)
            load_dtd=False,
            huge_tree=False,  # libxml2's own depth and text-node limits stay on
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes) -> etree._Element:
    """Return the root element of `data`, or raise ParseError saying why not."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if "encoding" in str(exc).lower() or "utf-8" in str(exc).lower():
            raise ParseError(
                f"bytes do not match the XML's declared encoding ({exc}); set the source's "
                "encoding if the agency declares the wrong one"
            ) from None
        raise ParseError(f"malformed XML: {exc}") from None
    if root is None:
        raise ParseError("malformed XML: no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # Even unexpanded, declared entities mean the sender tried XXE or an
        # entity bomb, or relies on entities we will not expand: refuse clearly.
        raise ParseError("XML declares entities in its DOCTYPE; refused (entity expansion is off)")
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


def inner_xml(element: etree._Element) -> str:
    """Return the serialised children of `element` (for XHTML content)."""
    parts = [element.text or ""]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


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
