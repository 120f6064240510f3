"""Detect a delivery's format from its content and dispatch to its parser.

Like Miniflux's `parser.ParseFeed`: one small dispatcher, one module a format.
A format is named by the content, never by the file name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import atom, jsonfeed, newsml12, newsmlg2, ninjs, nitf, rss, teletype
from .errors import ParseError
from .item import WireItem
from .xmlsafe import local_name, parse_xml

# Size limits on everything (DESIGN.md): a delivery and the items in it.
MAX_DELIVERY_BYTES = 50 * 1024 * 1024
MAX_ITEMS = 20_000


@dataclass(frozen=True)
class Format:
    name: str
    kind: str  # "xml", "json" or "text"
    sniff: Callable[[Any], bool]
    parse: Callable[[Any], list[WireItem]]
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


FORMATS: tuple[Format, ...] = (
    Format("rss2", "xml", rss.sniff_rss2, rss.parse_rss2),
    Format("rss1", "xml", rss.sniff_rss1, rss.parse_rss1),
    Format("atom", "xml", atom.sniff, atom.parse),
    Format("newsmlg2", "xml", newsmlg2.sniff, newsmlg2.parse),
    Format("newsml12", "xml", newsml12.sniff, newsml12.parse),
    Format("nitf", "xml", nitf.sniff, nitf.parse),
    Format("jsonfeed", "json", jsonfeed.sniff, jsonfeed.parse),
    Format("ninjs", "json", ninjs.sniff, ninjs.parse),
    Format("teletype", "text", teletype.sniff, teletype.parse, ("anpa1312", "iptc7901")),
)
FORMAT_NAMES = tuple(name for f in FORMATS for name in (f.aliases or (f.name,)))

_XML_DECLARATION = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise ParseError(f"unknown encoding {encoding!r} configured for this source") from None
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"bytes are not valid {exc.encoding} at byte {exc.start}: {exc.reason}"
            " (set the source's encoding if the agency declares the wrong one)"
        ) from None


def _transcode_xml(data: bytes, encoding: str) -> bytes:
    """Return XML bytes decoded with the source's encoding, re-encoded as declared UTF-8."""
    text = _decode(data, encoding).lstrip("\ufeff")
    utf8 = text.encode("utf-8")
    return _XML_DECLARATION.sub(rb"\1\2UTF-8\2", utf8, count=1)


def _load(data: bytes, encoding: str | None = None) -> tuple[str, Any]:
    """Return ("xml", root), ("json", document) or ("text", str) for a delivery's bytes."""
    if len(data) > MAX_DELIVERY_BYTES:
        raise ParseError(
            f"delivery is {len(data):,} bytes, over the {MAX_DELIVERY_BYTES:,}-byte limit"
        )
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n\x16")[:1]
    if not head:
        raise ParseError("delivery is empty")
    if head in (b"{", b"["):
        text = _decode(data, encoding or "utf-8-sig")
        try:
            return "json", json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"malformed JSON: {exc}") from None
        except RecursionError:
            raise ParseError("malformed JSON: nested too deeply") from None
    if head == b"<":
        return "xml", parse_xml(_transcode_xml(data, encoding) if encoding else data)
    if head == b"\x01":
        return "text", _decode(data, encoding or "utf-8")
    raise ParseError(
        "not XML, JSON or teletype: the delivery starts with none of '<', '{', '[', SOH"
    )


def _describe(kind: str, document: Any) -> str:
    if kind == "xml":
        return f"XML with root <{local_name(document)}>"
    if kind == "json":
        return f"JSON {type(document).__name__}"
    return "teletype text"


def _match(kind: str, document: Any) -> Format:
    for fmt in FORMATS:
        if fmt.kind == kind and fmt.sniff(document):
            return fmt
    raise ParseError(f"unknown format: {_describe(kind, document)} is none of {FORMAT_NAMES}")


def detect(data: bytes, encoding: str | None = None) -> str:
    """Return the name of the format of `data`, or raise ParseError."""
    kind, document = _load(data, encoding)
    fmt = _match(kind, document)
    if fmt.aliases:
        return fmt.parse(document)[0].format
    return fmt.name


def parse(data: bytes, format: str = "auto", encoding: str | None = None) -> list[WireItem]:
    """Return the WireItems of one delivery, or raise ParseError saying why not.

    `encoding` overrides what the delivery declares (for agencies whose
    declaration is wrong). With `format` named, the content must still be of
    that format: a feed configured as Atom that starts sending RSS is an error
    worth seeing.
    """
    kind, document = _load(data, encoding)
    fmt = _match(kind, document)
    items = fmt.parse(document)
    if format != "auto" and format not in fmt.names:
        raise ParseError(f"expected {format}, got {fmt.name}")
    if fmt.aliases and format in fmt.aliases and any(i.format != format for i in items):
        raise ParseError(f"expected {format}, got {items[0].format}")
    if len(items) > MAX_ITEMS:
        raise ParseError(f"delivery has {len(items):,} items, over the {MAX_ITEMS:,}-item limit")
    return items
