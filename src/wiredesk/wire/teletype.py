"""IPTC 7901 and ANPA-1312: the teletype-era formats agencies still send.

A transmission is one or more messages, each framed by control characters:
SOH, a header line, STX, the text, ETX, a trailer (the transmission time),
and EOT (ANPA-1312 / IPTC 7901; SYN bytes may pad the start).

ANPA-1312 header: service level and story number, selector code, priority
letter (f flash, b bulletin, u urgent, r routine, d deferred), category letter,
optional format, the keyword (slug), an optional version or take key
("1stLd-Writethru"), a reference, the filing date (DD-MM) and the word count.
Text lines starting with "^" are heading lines (headline, byline, editors'
notes); paragraphs start with a tab; "<" and "@<" end lines.

IPTC 7901 header: service identifier and message number, priority digit
(1 highest), category, word count and optional information; the keyword line
follows, in the header (before STX) or opening the text, then a headline line
ending in "=".

AP sends its ANPA-1312 header on two lines: service level, story number, a
unit separator (US) and the selector code ("a0342<US>apw--"), then priority,
category, the format identifier as control characters (DC1-DC4), the keyword
(cut to 24 characters, spaces left out), the version, the date and the words.

There is no item id in either: a story is its keyword within its filing day
(ANPA) or its keyword (7901), and the take key or the words make the version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import ItemFailure, ParseError, guarded
from .item import Signal, WireItem
from .numbers import is_number
from .text import fold, text_to_html

SOH, STX, ETX, EOT, SYN = "\x01", "\x02", "\x03", "\x04", "\x16"
MAX_MESSAGES = 5000

# ANPA-1312 headers as agencies really write them (AP among them): the story
# number, selector code, priority, category and format are each optional;
# the priority may be a digit; the keyword, version and reference may be
# separated by spaces or commas (`BC-US--Economy, 1st Ld-Writethru,0500`);
# the filing date and word count close the line when they are there.
ANPA_HEADER = re.compile(
    r"^(?:(?P<sld>[A-Za-z]{0,2})(?P<number>\d{3,5})(?:\s+|(?=[A-Za-z-]{4,5}\s)))?"
    r"(?:(?P<selector>[A-Za-z0-9-]{4,5})\s+)?"
    r"(?:(?P<priority>[A-Za-z1-9])\s+(?P<category>[A-Za-z])\s+(?:(?P<format>[a-z]{2})\s+)?)?"
    r"(?P<rest>[^\s,][^\s]*(?:[\s,].*)?)$"
)
ANPA_TRAILER = re.compile(
    r"(?:[\s,]+(?P<date>\d{1,2}-\d{1,2}(?:-\d{2,4})?))?(?:[\s,]+(?P<words>\d{1,5}))?$"
)
# The word count written before the date ("0500 10-14"), as some services send it.
ANPA_TRAILER_WORDS_FIRST = re.compile(
    r"[\s,]+(?P<words>\d{1,5})[\s,]+(?P<date>\d{1,2}-\d{1,2}(?:-\d{2,4})?)$"
)
MAX_HEADER_CHARS = 300
IPTC7901_HEADER = re.compile(
    r"^(?:ZCZC\s*)?(?P<service>[A-Za-z]{1,8})\s*(?P<number>\d{1,5})\s+(?P<priority>[1-9])\s+"
    r"(?P<category>[A-Za-z]{1,3})\s+(?P<words>\d{1,5})\b\s*(?P<optional>.*)$"
)
# Take keys and version words that say what a version is.
KILL = re.compile(r"\b(kill|elimination|withdraw\w*)\b", re.IGNORECASE)
CORRECTION = re.compile(r"\b(correct\w*|corr|crx)\b", re.IGNORECASE)
UPDATE = re.compile(r"(writethru|\dLd|\dst|\dnd|\drd|\dth|update|urgent|sub\b)", re.IGNORECASE)
ADVISORY = re.compile(r"\badvisory\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Message:
    """One teletype message, shaped like the standard."""

    standard: str  # "anpa1312" or "iptc7901"
    header: dict[str, str]
    headings: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    trailer: str = ""

    @property
    def word_count(self) -> int | None:
        words = self.header.get("words")
        return int(words) if words and is_number(words) else None


def sniff(text: str) -> bool:
    """Return True when `text` is framed as teletype messages (SOH ... STX ... ETX)."""
    head = text.lstrip(SYN + " \r\n\t")[:1]
    return head == SOH and STX in text


def _clean(line: str) -> str:
    return _CONTROL.sub("", line).rstrip()


def _split_messages(text: str) -> list[tuple[str, str, str]]:
    """Return (header, text, trailer) for every SOH ... STX ... ETX ... message."""
    messages = []
    for chunk in text.split(SOH)[1:]:
        header, sep, rest = chunk.partition(STX)
        if not sep:
            raise ParseError("teletype message has a header (SOH) but no text (STX)")
        body, sep, trailer = rest.partition(ETX)
        if not sep:
            raise ParseError("teletype message text is not closed (no ETX)")
        messages.append((header, body, trailer.partition(EOT)[0]))
        if len(messages) > MAX_MESSAGES:
            raise ParseError(f"over {MAX_MESSAGES} teletype messages in one delivery")
    return messages


def anpa_header(line: str) -> dict[str, str] | None:
    """Return the fields of an ANPA-1312 header line, or None when it is not one."""
    match = ANPA_HEADER.match(line) if len(line) <= MAX_HEADER_CHARS else None
    if not match:
        return None
    fields = {k: v for k, v in match.groupdict().items() if v}
    if "number" not in fields and "priority" not in fields:
        return None  # neither a story number nor a priority: not a header
    rest = fields.pop("rest").rstrip("<").strip()
    trailer = ANPA_TRAILER_WORDS_FIRST.search(rest) or ANPA_TRAILER.search(rest)
    if trailer and trailer.group(0):
        fields.update({k: v for k, v in trailer.groupdict().items() if v})
        rest = rest[: trailer.start()]
    parts = [p.strip() for p in rest.split(",")] if "," in rest else rest.split()
    parts = [p for p in parts if p]
    if not parts:
        return None
    for name, value in zip(("keyword", "version", "reference"), parts, strict=False):
        fields[name] = value
    return fields


def _anpa(header: str, body: str, trailer: str) -> Message:
    fields = anpa_header(fold(header))
    if fields is None:
        raise ParseError(f"unreadable ANPA-1312 header line: {fold(header)[:80]!r}")
    message = Message("anpa1312", fields, trailer=fold(_clean(trailer).rstrip("<")))
    paragraph: list[str] = []
    in_text = False
    for raw in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _clean(raw)
        if not in_text and line.lstrip().startswith("^"):
            message.headings.append(line.lstrip()[1:].rstrip("<").rstrip("@=").strip())
            continue
        if raw.startswith(("\t", "   ")) or (not in_text and line.strip()):
            in_text = True
            if paragraph:
                message.paragraphs.append(fold(" ".join(paragraph)))
            paragraph = [line.strip().rstrip("<")]
        elif line.strip():
            paragraph.append(line.strip().rstrip("<"))
    if paragraph:
        message.paragraphs.append(fold(" ".join(paragraph)))
    return message


def _iptc7901(header: str, body: str, trailer: str, keyword: str | None = None) -> Message:
    match = IPTC7901_HEADER.match(fold(header))
    if not match:
        raise ParseError(f"unreadable IPTC 7901 header line: {fold(header)[:80]!r}")
    fields = {k: v for k, v in match.groupdict().items() if v}
    message = Message("iptc7901", fields, trailer=fold(_clean(trailer)))
    lines = [_clean(line) for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    # The keyword line, then the headline ending in "=" (IPTC 7901 text layout).
    # A keyword sent in the header wins; the text then opens with the headline
    # (or repeats the keyword). A first line ending in "=" is a headline, never
    # the keyword: the header's optional information names the story then.
    first = lines[0].strip().rstrip("=").strip() if lines else ""
    if keyword:
        message.header["keyword"] = keyword
        if first.lower() == keyword.lower():
            lines.pop(0)
    elif lines and lines[0].rstrip().endswith("=") and fields.get("optional"):
        message.header["keyword"] = fields["optional"]
    elif lines:
        message.header["keyword"] = first
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].rstrip().endswith("="):
        message.headings.append(lines.pop(0).rstrip().rstrip("=").strip())
    text = "\n".join(lines)
    message.paragraphs = [p for p in (fold(p) for p in re.split(r"\n\s*\n|\n(?=[ \t])", text)) if p]
    return message


def read_message(header: str, body: str, trailer: str) -> Message:
    """Return one teletype message, shaped like its standard."""
    # Control characters in a header separate fields (AP's unit separator
    # before the selector, its DC1-DC4 format identifier): spaces, not nothing.
    lines = [fold(_CONTROL.sub(" ", part)) for part in header.replace(SYN, " ").splitlines()]
    lines = [part for part in lines if part]
    if len(lines) > 1 and lines[0].upper() == "ZCZC":
        lines[:2] = [f"{lines[0]} {lines[1]}"]
    line = " ".join(lines)
    if len(lines) > 1 and IPTC7901_HEADER.match(lines[0]):
        # The keyword line sent in the header, after the header line (before STX).
        return _iptc7901(lines[0], body, trailer, fold(" ".join(lines[1:])).rstrip("=").strip())
    if IPTC7901_HEADER.match(line):
        return _iptc7901(line, body, trailer)
    if anpa_header(line) is not None:
        return _anpa(line, body, trailer)
    raise ParseError(f"header line is neither ANPA-1312 nor IPTC 7901: {line[:80]!r}")


def read_messages(text: str) -> list[Message]:
    """Return the messages of a teletype transmission, shaped like the standards."""
    messages = [read_message(*parts) for parts in _split_messages(text)]
    if not messages:
        raise ParseError("no teletype message (SOH) in the delivery")
    return messages


def _headings(message: Message) -> tuple[str | None, str | None, list[str], list[str]]:
    """Return (headline, byline, editors' notes, index terms) from the heading lines."""
    headline = byline = None
    notes: list[str] = []
    index: list[str] = []
    keyword = (message.header.get("keyword") or "").lower()
    for heading in message.headings:
        lowered = heading.lower()
        if lowered.startswith("hl:"):
            headline = heading[3:].strip()
        elif lowered.startswith("by "):
            byline = byline or heading[3:].strip()
        elif lowered.startswith(("eds:", "eds ", "editors:", "update:", "advisory:")):
            notes.append(heading)
        elif lowered.startswith("index:"):
            index.extend(t.strip() for t in heading[6:].split(",") if t.strip())
        elif keyword and lowered.replace(" ", "").startswith(keyword.replace(" ", "")):
            # The keyword line repeats the slug and take key (AP's header cuts
            # the keyword to 24 characters and leaves its spaces out).
            continue
        elif re.match(r"^[A-Za-z]+:", heading) or heading.isupper():
            continue  # machine lines (code:2, SYMBOL:...) and the agency line
        elif headline is None:
            headline = heading
    return headline, byline, notes, index


def _item(message: Message) -> WireItem:
    keyword = message.header.get("keyword")
    if not keyword:
        raise ParseError(f"{message.standard} message has no keyword (slug), so it has no identity")
    version_word = message.header.get("version")
    headline, byline, notes, index = _headings(message)
    tags = " ".join(filter(None, [version_word, keyword, *notes]))
    signal: Signal | None = None
    if KILL.search(tags):
        signal = "kill"
    elif CORRECTION.search(tags):
        signal = "correction"
    elif version_word and UPDATE.search(version_word):
        signal = "update"
    date = message.header.get("date")
    paragraphs = message.paragraphs
    return WireItem(
        format=message.standard,
        item_id=f"{date}:{keyword}" if date else keyword,
        version=version_word,
        pub_status="canceled" if signal == "kill" else "usable",
        signal=signal,
        headline=fold(headline or keyword),
        slugline=keyword,
        byline=byline,
        body_html=text_to_html("\n\n".join(paragraphs)),
        subjects=[{"name": term} for term in index],
        ednote=" ".join(notes) or None,
        is_advisory=bool(ADVISORY.search(keyword)) and signal is None,
        priority=message.header.get("priority"),
    )


def _read_item(parts: tuple[str, str, str]) -> WireItem:
    return _item(read_message(*parts))


def _cut(parts: tuple[str, str, str]) -> bytes:
    header, body, trailer = parts
    return f"{SOH}{header}{STX}{body}{ETX}{trailer}{EOT}".encode("utf-8", errors="replace")


def _identify(parts: tuple[str, str, str]) -> str:
    return fold(_clean(parts[0]))[:80]


def parse(text: str) -> list[WireItem | ItemFailure]:
    """Return one WireItem a message of an IPTC 7901 or ANPA-1312 transmission."""
    messages = _split_messages(text)
    if not messages:
        raise ParseError("no teletype message (SOH) in the delivery")
    return [guarded(_read_item, parts, n, _cut, _identify) for n, parts in enumerate(messages, 1)]
