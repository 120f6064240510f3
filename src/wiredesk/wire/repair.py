"""Read a feed that strict parsing refuses: a few listed repairs, then libxml2's recovery.

Feeds from the web carry slips every feed reader forgives: a prefix never
declared, a control character in a title, a bare `&` in a URL, `&nbsp`
without its `;`. Strict parsing comes first; only when it fails is each
repair in `REPAIRS` applied where its pattern finds something to mend, and
the document parsed again. When that fails too, the recovering parser reads
what it can, and only the items it did not have to mend are kept. Every
repair made is returned as a `Repaired` (its name and what it did), to be
stored with the delivery. Agency formats never come here unless their feed
says so (`Feed.repair_xml`): they are validated at the source.

Nothing here lifts a guard: no entity is expanded (a DOCTYPE's entities are
refused after repair as before it), no network is reached, no limit raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.entities import html5

from lxml import etree

from .errors import ParseError
from .xmlsafe import MalformedXML, local_name, parse_xml, parse_xml_recovering


@dataclass(frozen=True)
class Repaired:
    """One repair made to a delivery: its name, and what it did ("3 characters")."""

    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}"


@dataclass(frozen=True)
class Repair:
    """A repair step: its name, the slip it mends, and how (bytes in; bytes and a detail out)."""

    name: str
    fixes: str
    apply: Callable[[bytes], tuple[bytes, str | None]]  # detail None: nothing to mend


# -- Undeclared prefixes ----------------------------------------------------------------------

# The prefixes feeds use without declaring them, and what they always mean.
WELL_KNOWN_PREFIXES = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "georss": "http://www.georss.org/georss",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "media": "http://search.yahoo.com/mrss/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
}
_USED_PREFIX = re.compile(
    rb"<([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*="
)
_DECLARED_PREFIX = re.compile(rb"\sxmlns:([A-Za-z_][\w.-]*)\s*=")
# The root's start tag: after the declaration, comments, processing instructions, a DOCTYPE.
_ROOT_TAG = re.compile(rb"<(?![?!/])[A-Za-z_][\w.:-]*")


def declare_prefixes(data: bytes) -> tuple[bytes, str | None]:
    """Declare on the root each well-known prefix the document uses and never declares."""
    used = {(m.group(1) or m.group(2)).decode() for m in _USED_PREFIX.finditer(data)}
    missing = sorted((used & WELL_KNOWN_PREFIXES.keys()) - _declared(data))
    root = _ROOT_TAG.search(data)
    if not missing or root is None:
        return data, None
    declarations = "".join(f' xmlns:{p}="{WELL_KNOWN_PREFIXES[p]}"' for p in missing).encode()
    return data[: root.end()] + declarations + data[root.end() :], ", ".join(missing)


def _declared(data: bytes) -> set[str]:
    return {m.group(1).decode() for m in _DECLARED_PREFIX.finditer(data)}


# -- Characters XML cannot carry --------------------------------------------------------------

# C0 controls but tab, line feed and carriage return (XML 1.0, production 2).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMERIC_REFERENCE = re.compile(rb"&#(?:([0-9]{1,8})|[xX]([0-9a-fA-F]{1,8}));")


def _is_xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or (0x10000 <= code <= 0x10FFFF)
    )


def drop_control_characters(data: bytes) -> tuple[bytes, str | None]:
    """Drop the characters XML cannot carry, written raw or as numeric references."""
    data, raw = _CONTROL.subn(b"", data)
    referenced = 0

    def unless_xml_char(match: re.Match[bytes]) -> bytes:
        nonlocal referenced
        decimal, hexadecimal = match.groups()
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if _is_xml_char(code):
            return match.group(0)
        referenced += 1
        return b""

    if b"&#" in data:
        data = _outside_cdata(data, lambda part: _NUMERIC_REFERENCE.sub(unless_xml_char, part))
    total = raw + referenced
    return data, (f"{total} character{'s' * (total != 1)}" if total else None)


# -- HTML's legacy entity names ---------------------------------------------------------------

# The names HTML reads even without their `;` ("&nbsp", "&copy 2026"), as
# browsers do: only where a name character or `=` does not follow (`&copy=2`
# in a URL is a parameter, and is escaped by the next repair instead).
_LEGACY_NAMES = sorted((name for name in html5 if not name.endswith(";")), key=len, reverse=True)
_LEGACY_ENTITY = re.compile(
    rb"&(" + b"|".join(n.encode() for n in _LEGACY_NAMES) + rb")(?![A-Za-z0-9=;])"
)


def map_legacy_entity_names(data: bytes) -> tuple[bytes, str | None]:
    """Write HTML's legacy entity names, sent without their `;`, as the characters they name."""
    count = 0

    def as_number(match: re.Match[bytes]) -> bytes:
        nonlocal count
        count += 1
        return "".join(f"&#{ord(c)};" for c in html5[match.group(1).decode()]).encode()

    if b"&" in data:
        data = _outside_cdata(data, lambda part: _LEGACY_ENTITY.sub(as_number, part))
    return data, (f"{count} name{'s' * (count != 1)}" if count else None)


# -- Bare ampersands --------------------------------------------------------------------------

_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#[0-9]+|#[xX][0-9a-fA-F]+);)")


def escape_bare_ampersands(data: bytes) -> tuple[bytes, str | None]:
    """Escape each `&` that starts no reference (`?a=1&copy=2`: no `;`, so no `&copy;`)."""
    count = 0

    def escaped(part: bytes) -> bytes:
        nonlocal count
        part, n = _BARE_AMPERSAND.subn(b"&amp;", part)
        count += n
        return part

    if b"&" in data:
        data = _outside_cdata(data, escaped)
    return data, (f"{count} ampersand{'s' * (count != 1)}" if count else None)


# A CDATA section or a comment holds `&` as the character it is: left alone.
_LITERAL = re.compile(rb"(<!\[CDATA\[.*?\]\]>|<!--.*?-->)", re.DOTALL)


def _outside_cdata(data: bytes, fix: Callable[[bytes], bytes]) -> bytes:
    if b"<!" not in data:
        return fix(data)
    parts = _LITERAL.split(data)
    # split() with one group: the literal sections are at the odd places.
    return b"".join(part if n % 2 else fix(part) for n, part in enumerate(parts))


# The repairs, in the order they are applied (legacy names before ampersands:
# `&nbsp` is a character, not an `&` to escape). docs/formats.md lists them.
REPAIRS: tuple[Repair, ...] = (
    Repair(
        "declared-prefixes",
        "an element or attribute uses a well-known prefix (media, content, atom, itunes, dc, "
        "dcterms, ...) that the file never declares: it is declared on the root",
        declare_prefixes,
    ),
    Repair(
        "dropped-control-characters",
        "a character XML cannot carry (a C0 control other than tab, line feed and carriage "
        "return, such as U+0008), raw or as a numeric reference (`&#8;`): it is dropped",
        drop_control_characters,
    ),
    Repair(
        "legacy-entity-names",
        "one of HTML's legacy entity names sent without its `;` (`&nbsp`, `&copy 2026`): it is "
        "read as the character it names, as browsers do",
        map_legacy_entity_names,
    ),
    Repair(
        "escaped-ampersands",
        "a bare `&` that starts no reference, in text or a URL (`?a=1&copy=2`): it is "
        "escaped as `&amp;`",
        escape_bare_ampersands,
    ),
)
RECOVERED = "recovered"  # the last resort's name, as recorded
RECOVERY_FIXES = (
    "still not well formed after the repairs: libxml2's recovering parser reads it (entities "
    "off, no network, the same limits), and only the items it did not have to mend are kept; an "
    "item without its identity, its title or its body is dropped"
)

# The root elements of the feed formats: RSS 0.9x/2.0, RSS 1.0 (rdf:RDF), Atom.
FEED_ROOTS = frozenset({"rss", "RDF", "feed", "entry"})
FEED_FORMATS = frozenset({"rss2", "rss1", "atom", "jsonfeed"})
_ITEMS = frozenset({"item", "entry"})


def root_name(data: bytes) -> str | None:
    """Return the local name of the root element of XML `data`, read from its bytes."""
    found = _ROOT_TAG.search(data[:65536])
    return found.group(0)[1:].rpartition(b":")[2].decode("ascii", "replace") if found else None


def repair_xml(data: bytes) -> tuple[bytes, list[Repaired]]:
    """Apply each repair that finds something to mend; return the bytes and what was done."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return data, []  # UTF-16 or UTF-32: the byte patterns cannot see it; only recovery
    made = []
    for repair in REPAIRS:
        data, detail = repair.apply(data)
        if detail is not None:
            made.append(Repaired(repair.name, detail))
    return data, made


def parse_repaired(
    data: bytes, strict_error: ParseError, base_url: str | None = None
) -> tuple[etree._Element, list[Repaired], int | None]:
    """Return the root of `data`, which strict parsing refused, repaired or else recovered.

    Also return the repairs made and, when the recovering parser was needed,
    how many items it had to mend (removed from the root: only whole items
    are read); None when the repairs were enough. Raise `strict_error` when
    nothing can be read.
    """
    repaired, made = repair_xml(data)
    if made:
        try:
            return parse_xml(repaired, base_url), made, None
        except MalformedXML:
            pass
    try:
        root, mended = parse_xml_recovering(repaired, base_url)
    except MalformedXML:
        raise strict_error from None
    return root, made, _drop_mended_items(root, repaired, mended)


_ITEM_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])")
_ITEM_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")


def _drop_mended_items(root: etree._Element, data: bytes, mended: list[tuple[int, int]]) -> int:
    """Remove the items the recovering parser had to mend from `root`; return how many.

    An item is whole when its bytes hold its end tag and no place the parser
    mended (libxml2 reports a place just past the token it stumbled on). The
    tree's items are matched to the bytes' in document order; when their
    numbers differ, no item can be vouched for and all are removed.
    """
    items = [
        e for e in root.iterdescendants() if isinstance(e.tag, str) and local_name(e) in _ITEMS
    ]
    spans = _item_spans(data)
    places = _offsets(data, mended)
    if len(spans) == len(items):
        damaged = [
            not closed or any(start < place <= end for place in places)
            for start, end, closed in spans
        ]
    else:
        damaged = [True] * len(items)
    # Innermost first: a whole item the parser nested inside a mended one moves out first.
    known = set(items)
    for element, bad in reversed(list(zip(items, damaged, strict=True))):
        if bad:
            for inner in reversed([e for e in element.iterdescendants() if e in known]):
                element.addnext(inner)  # items never nest: it was only the parser's guess
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)
    return sum(damaged)


def _item_spans(data: bytes) -> list[tuple[int, int, bool]]:
    """Return (start, end, closed) of each item in `data`, CDATA and comments left out."""
    blank = _LITERAL.sub(lambda m: b" " * len(m.group(0)), data) if b"<!" in data else data
    starts = [m.start() for m in _ITEM_START.finditer(blank)]
    spans = []
    for n, start in enumerate(starts):
        limit = starts[n + 1] if n + 1 < len(starts) else len(blank)
        end = _ITEM_END.search(blank, start, limit)
        spans.append((start, end.end() if end else limit, end is not None))
    return spans


def _offsets(data: bytes, places: list[tuple[int, int]]) -> list[int]:
    """Return the byte offsets of (line, column) places in `data` (columns from 1)."""
    line_starts = [0, *(m.end() for m in re.finditer(rb"\n", data))]
    return [
        line_starts[min(line, len(line_starts)) - 1] + max(column - 1, 0)
        for line, column in places
        if line > 0
    ]


def recovered_summary(kept: int, dropped: int) -> Repaired:
    """Return the record of a recovery: how many items came through whole, how many did not."""
    return Repaired(RECOVERED, f"{kept} items kept, {dropped} dropped")


# -- JSON Feed --------------------------------------------------------------------------------

_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])')
TRAILING_COMMAS = "trailing-commas"
TRAILING_COMMAS_FIXES = (
    "a JSON Feed with a `,` before a closing `}` or `]` (what JavaScript allows and JSON does "
    "not): the comma is dropped"
)


def drop_trailing_commas(text: str) -> tuple[str, Repaired | None]:
    """Drop each comma before a closing bracket outside a string (JSON Feed only)."""
    count = 0

    def unless_string(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) is not None:
            return match.group(1)
        count += 1
        return match.group(2)

    text = _TRAILING_COMMA.sub(unless_string, text)
    return text, (
        Repaired(TRAILING_COMMAS, f"{count} comma{'s' * (count != 1)}") if count else None
    )


def is_json_feed(data: bytes) -> bool:
    """Return True when JSON `data` says it is a JSON Feed (its `version` URL)."""
    return b"jsonfeed.org/version" in data[:65536]


# Every repair a delivery can record, with what it mends: the table docs/formats.md follows.
ALL_REPAIRS: tuple[tuple[str, str], ...] = (
    *((repair.name, repair.fixes) for repair in REPAIRS),
    (TRAILING_COMMAS, TRAILING_COMMAS_FIXES),
    (RECOVERED, RECOVERY_FIXES),
)
