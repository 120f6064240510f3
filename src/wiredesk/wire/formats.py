"""Detect a delivery's format from its content and dispatch to its parser.

Like Miniflux's `parser.ParseFeed`: one small dispatcher, one module a format.
A format is named by the content, never by the file name. `FORMATS` is the
table of formats: a new format is one module and one row here; everything that
lists formats (a feed's choices, `wiredesk inspect --format`) reads the table
when it is asked, so a new row needs no migration. Each parser returns
its items, and for an item it cannot read, an ItemFailure in its place: one
bad item is quarantined alone and the rest of its delivery is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import atom, jsonfeed, newsml12, newsmlg2, ninjs, nitf, rss, teletype
from .decoding import decode_text, decode_xml
from .errors import ItemFailure, ParseError
from .item import WireItem
from .repair import (
    FEED_FORMATS,
    FEED_ROOTS,
    Repaired,
    drop_trailing_commas,
    is_json_feed,
    parse_repaired,
    recovered_summary,
    root_name,
)
from .xmlpaths import namespace_of
from .xmlsafe import MalformedXML, local_name, parse_xml

# Size limits on everything (docs/design.md): a delivery and the items in it.
MAX_DELIVERY_BYTES = 50 * 1024 * 1024
MAX_ITEMS = 20_000
# A JSON escape in the surrogate range: a pair is one character, but a lone
# half (`\ud800`) is no character at all, and no encoding can store it.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


@dataclass(frozen=True)
class Format:
    name: str
    kind: str  # "xml", "json" or "text"
    sniff: Callable[[Any], bool]
    parse: Callable[[Any], list[WireItem | ItemFailure]]
    aliases: tuple[str, ...] = ()
    rule: str = ""  # what the sniffer looks for, for `wiredesk inspect --explain`

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


FORMATS: tuple[Format, ...] = (
    Format("rss2", "xml", rss.sniff_rss2, rss.parse_rss2, rule=rss.RSS2_RULE),
    Format("rss1", "xml", rss.sniff_rss1, rss.parse_rss1, rule=rss.RSS1_RULE),
    Format("atom", "xml", atom.sniff, atom.parse, rule=atom.RULE),
    Format(
        "newsmlg2",
        "xml",
        newsmlg2.sniff,
        newsmlg2.parse,
        rule="root <newsItem>, <newsMessage> or <packageItem> (IPTC's namespace or none)",
    ),
    Format("newsml12", "xml", newsml12.sniff, newsml12.parse, rule="root <NewsML>"),
    Format("nitf", "xml", nitf.sniff, nitf.parse, rule="root <nitf>"),
    Format(
        "jsonfeed",
        "json",
        jsonfeed.sniff,
        jsonfeed.parse,
        rule="an object whose `version` starts https://jsonfeed.org/version/",
    ),
    Format("ninjs", "json", ninjs.sniff, ninjs.parse, rule=ninjs.RULE),
    Format(
        "teletype",
        "text",
        teletype.sniff,
        teletype.parse,
        ("anpa1312", "iptc7901"),
        rule="SOH, a header line, STX, text, ETX (ANPA-1312 / IPTC 7901)",
    ),
)


def format_names() -> tuple[str, ...]:
    """Return the name of every format a feed can be set to (an alias in place of its format)."""
    return tuple(name for f in FORMATS for name in (f.aliases or (f.name,)))


def format_choices() -> list[tuple[str, str]]:
    """Return a feed's format choices: "auto", then each name (a model field's `choices`).

    A callable, so a migration records its path, never the names: adding a
    format to `FORMATS` changes no model.
    """
    return [("auto", "Detect from content"), *((name, name) for name in format_names())]


@dataclass
class Reading:
    """What one delivery holds: its items, the items that could not be read, and why so."""

    format: str
    items: list[WireItem] = field(default_factory=list)
    failures: list[ItemFailure] = field(default_factory=list)
    encoding_rule: str = ""  # which rule decided how the bytes were decoded
    format_rule: str = ""  # what the format's sniffer recognised
    # What had to be mended before it could be read (`repair.py`); empty when nothing.
    repairs: list[Repaired] = field(default_factory=list)

    @property
    def rules(self) -> list[str]:
        """Return the rules that decided how the bytes were read: encoding, then format."""
        return [
            f"encoding: {self.encoding_rule}",
            f"format: {self.format}, by its content: {self.format_rule}",
        ]


# Said when an agency format is refused for a slip a feed would have had repaired.
STRICT = "agency formats are read strictly (a feed's repair_xml setting allows repairs)"


@dataclass
class _Loaded:
    kind: str  # "xml", "json" or "text"
    document: Any  # the root, the JSON value or the text
    encoding_rule: str
    repairs: list[Repaired] = field(default_factory=list)
    mended: int | None = None  # items the recovering parser mended and left out; None: not used
    strict_error: ParseError | None = None  # why strict parsing refused it, when it did


def _load(
    data: bytes, encoding: str | None = None, base_url: str | None = None, repair: bool = False
) -> _Loaded:
    """Return ("xml", root), ("json", document) or ("text", str), and the encoding rule.

    A feed (RSS, Atom, JSON Feed) that strict parsing refuses is repaired
    (`repair.py`); any other format only with `repair`.
    """
    if len(data) > MAX_DELIVERY_BYTES:
        raise ParseError(
            f"delivery is {len(data):,} bytes, over the {MAX_DELIVERY_BYTES:,}-byte limit"
        )
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n\x16")[:1]
    if data.startswith((b"\xff\xfe<\x00", b"\xfe\xff\x00<", b"\x00<")):
        head = b"<"  # XML in UTF-16 (with its byte order mark, or big-endian without)
    if not head:
        raise ParseError("delivery is empty")
    if head in (b"{", b"["):
        decoded = decode_text(data, encoding, "JSON")
        try:
            return _Loaded("json", json.loads(decoded.value), decoded.rule)
        except json.JSONDecodeError as exc:
            assert isinstance(decoded.value, str)
            repaired = (
                _json_repaired(decoded.value, decoded.rule)
                if repair or is_json_feed(data)
                else None
            )
            if repaired is None:
                raise ParseError(f"malformed JSON: {exc}") from None
            return repaired
        except RecursionError:
            raise ParseError("malformed JSON: nested too deeply") from None
        except ValueError as exc:  # a number past Python's digit limit, say
            raise ParseError(f"malformed JSON: {' '.join(str(exc).split())[:200]}") from None
    if head == b"<":
        decoded = decode_xml(data, encoding)
        assert isinstance(decoded.value, bytes)
        try:
            return _Loaded("xml", parse_xml(decoded.value, base_url), decoded.rule)
        except MalformedXML as exc:
            if not repair and root_name(decoded.value) not in FEED_ROOTS:
                raise MalformedXML(f"{exc}; {STRICT}") from None
            root, made, mended = parse_repaired(decoded.value, exc, base_url)
            return _Loaded("xml", root, decoded.rule, made, mended, exc)
    if head == b"\x01":
        decoded = decode_text(data, encoding, "teletype text")
        return _Loaded("text", decoded.value, decoded.rule)
    raise ParseError(
        "not XML, JSON or teletype: the delivery starts with none of '<', '{', '[', SOH"
    )


def _json_repaired(text: str, encoding_rule: str) -> _Loaded | None:
    """Return JSON `text` read after dropping its trailing commas, or None when that is not enough."""
    text, made = drop_trailing_commas(text)
    if made is None:
        return None
    try:
        return _Loaded("json", json.loads(text), encoding_rule, [made])
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None


def _describe(kind: str, document: Any) -> str:
    if kind == "xml":
        ns = namespace_of(document)
        return f"XML with root <{local_name(document)}>" + (f" in namespace {ns}" if ns else "")
    if kind == "json":
        return f"JSON {type(document).__name__}"
    return "teletype text"


# An XML format is told by its root's qualified tag alone: once a tag has
# matched, it is looked up, not sniffed again (a few tags; bounded all the same).
_FORMAT_OF_ROOT: dict[str, Format] = {}
MAX_KNOWN_ROOTS = 64


def _match(kind: str, document: Any) -> Format:
    if kind == "xml":
        known = _FORMAT_OF_ROOT.get(document.tag)
        if known is not None:
            return known
    for fmt in FORMATS:
        if fmt.kind == kind and fmt.sniff(document):
            if kind == "xml" and len(_FORMAT_OF_ROOT) < MAX_KNOWN_ROOTS:
                _FORMAT_OF_ROOT[document.tag] = fmt
            return fmt
    raise ParseError(f"unknown format: {_describe(kind, document)} is none of {format_names()}")


def read(
    data: bytes,
    format: str = "auto",
    encoding: str | None = None,
    base_url: str | None = None,
    repair: bool = False,
) -> Reading:
    """Return what one delivery holds, or raise ParseError when none of it can be read.

    `encoding` overrides what the delivery declares (for agencies whose
    declaration is wrong in a way the rules in `decoding` cannot see).
    `base_url` is where the delivery came from, for its relative links. With
    `format` named, the content must still be of that format: a feed
    configured as Atom that starts sending RSS is an error worth seeing. A
    feed is repaired where strict parsing refuses it; an agency format only
    with `repair` (the feed's `repair_xml`): `Reading.repairs` says what was done.
    """
    loaded = _load(data, encoding, base_url, repair)
    kind, document, encoding_rule = loaded.kind, loaded.document, loaded.encoding_rule
    fmt = _match(kind, document)
    mended = loaded.repairs or loaded.mended is not None
    if mended and fmt.name not in FEED_FORMATS and not repair:
        # Its root looked like a feed's but is an agency format's after all.
        raise MalformedXML(f"{loaded.strict_error}; {STRICT}")
    try:
        results = fmt.parse(document)
    except ParseError as exc:
        if loaded.mended is None:
            raise
        # What recovery made of it is no document: why strict parsing refused it says more.
        raise ParseError(f"{loaded.strict_error}; after recovery: {exc}") from None
    repairs = list(loaded.repairs)
    if loaded.mended is not None:
        results, dropped = _whole(results)
        dropped += loaded.mended
        repairs.append(recovered_summary(len(results), dropped))
        if not results:
            raise ParseError(
                f"{loaded.strict_error}; recovery kept no item whole ({dropped} dropped)"
            )
    if kind == "json" and _SURROGATE_ESCAPE.search(data):
        results = [_without_lone_surrogates(r, n) for n, r in enumerate(results, 1)]
    items: list[WireItem] = []
    failures: list[ItemFailure] = []
    for result in results:
        if isinstance(result, ItemFailure):
            failures.append(result)
        else:
            items.append(result)
    name = items[0].format if fmt.aliases and items else fmt.name
    if format != "auto" and format not in fmt.names:
        raise ParseError(f"expected {format}, got {fmt.name}")
    if fmt.aliases and format in fmt.aliases and any(i.format != format for i in items):
        raise ParseError(f"expected {format}, got {name}")
    if len(results) > MAX_ITEMS:
        raise ParseError(f"delivery has {len(results):,} items, over the {MAX_ITEMS:,}-item limit")
    if not items and failures:
        if len(failures) == 1:
            raise ParseError(failures[0].reason)
        raise ParseError(f"none of its {len(failures)} items can be read; {failures[0]}")
    return Reading(name, items, failures, encoding_rule, fmt.rule, repairs)


def _whole(results: list[WireItem | ItemFailure]) -> tuple[list[WireItem | ItemFailure], int]:
    """Return the recovered items that came through whole, and how many did not.

    An item that lost its identity (a failure), its title or its body to the
    recovering parser is dropped: half an item is not published.
    """
    whole: list[WireItem | ItemFailure] = [
        r
        for r in results
        if isinstance(r, WireItem) and r.headline and (r.body_html or r.body_text)
    ]
    return whole, len(results) - len(whole)


def _without_lone_surrogates(
    result: WireItem | ItemFailure, position: int
) -> WireItem | ItemFailure:
    if isinstance(result, ItemFailure):
        return result
    try:
        result.to_json().encode("utf-8")
    except UnicodeEncodeError as exc:
        where = exc.object[max(0, exc.start - 20) : exc.start].encode("utf-8", "replace")
        reason = (
            f"text holds a lone UTF-16 surrogate (\\u{ord(exc.object[exc.start]):04x}) after "
            f"{where.decode()!r}: no encoding can store it; the agency's JSON is broken there"
        )
        return ItemFailure(
            reason, position, result.item_id[:512].encode("utf-8", "replace").decode()
        )
    return result


def detect(data: bytes, encoding: str | None = None) -> str:
    """Return the name of the format of `data`, or raise ParseError."""
    return read(data, encoding=encoding).format


def parse(
    data: bytes,
    format: str = "auto",
    encoding: str | None = None,
    base_url: str | None = None,
    repair: bool = False,
) -> list[WireItem]:
    """Return the WireItems of one delivery that can be read, or raise ParseError saying why none."""
    return read(data, format, encoding, base_url, repair).items
