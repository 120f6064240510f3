"""Detect a delivery's format from its content and dispatch to its parser.

Like Miniflux's `parser.ParseFeed`: one small dispatcher, one module a format.
A format is named by the content, never by the file name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import atom, jsonfeed, rss
from .errors import ParseError
from .item import WireItem
from .xmlsafe import local_name, parse_xml

# Size limits on everything (DESIGN.md): a delivery and the items in it.
MAX_DELIVERY_BYTES = 50 * 1024 * 1024
MAX_ITEMS = 20_000


@dataclass(frozen=True)
class Format:
    name: str
    kind: str  # "xml" or "json"
    sniff: Callable[[Any], bool]
    parse: Callable[[Any], list[WireItem]]


FORMATS: tuple[Format, ...] = (
    Format("rss2", "xml", rss.sniff_rss2, rss.parse_rss2),
    Format("rss1", "xml", rss.sniff_rss1, rss.parse_rss1),
    Format("atom", "xml", atom.sniff, atom.parse),
    Format("jsonfeed", "json", jsonfeed.sniff, jsonfeed.parse),
)
FORMAT_NAMES = tuple(f.name for f in FORMATS)


def _load(data: bytes) -> tuple[str, Any]:
    """Return ("xml", root) or ("json", document) for the bytes of a delivery."""
    if len(data) > MAX_DELIVERY_BYTES:
        raise ParseError(
            f"delivery is {len(data):,} bytes, over the {MAX_DELIVERY_BYTES:,}-byte limit"
        )
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise ParseError("delivery is empty")
    if head in (b"{", b"["):
        try:
            return "json", json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
        except json.JSONDecodeError as exc:
            raise ParseError(f"malformed JSON: {exc}") from None
        except RecursionError:
            raise ParseError("malformed JSON: nested too deeply") from None
    if head == b"<":
        return "xml", parse_xml(data)
    raise ParseError("not XML or JSON: the delivery does not start with '<', '{' or '['")


def _describe(kind: str, document: Any) -> str:
    if kind == "xml":
        return f"XML with root <{local_name(document)}>"
    return f"JSON {type(document).__name__}"


def detect(data: bytes) -> str:
    """Return the name of the format of `data`, or raise ParseError."""
    kind, document = _load(data)
    return _match(kind, document).name


def _match(kind: str, document: Any) -> Format:
    for fmt in FORMATS:
        if fmt.kind == kind and fmt.sniff(document):
            return fmt
    raise ParseError(f"unknown format: {_describe(kind, document)} is none of {FORMAT_NAMES}")


def parse(data: bytes, format: str = "auto") -> list[WireItem]:
    """Return the WireItems of one delivery, or raise ParseError saying why not.

    With `format` named, the content must still be of that format: a feed
    configured as Atom that starts sending RSS is an error worth seeing.
    """
    kind, document = _load(data)
    fmt = _match(kind, document)
    if format not in ("auto", fmt.name):
        raise ParseError(f"expected {format}, got {fmt.name}")
    items = fmt.parse(document)
    if len(items) > MAX_ITEMS:
        raise ParseError(f"delivery has {len(items):,} items, over the {MAX_ITEMS:,}-item limit")
    return items
