"""Decide how a delivery's bytes are to be read, and say which rule decided.

Agencies declare encodings wrongly in two common ways, and mature feed
readers (feedparser, browsers' "WHATWG encoding" rules) correct both:

- UTF-8 files labelled ISO-8859-1 (a headline reads `DÃ©cÃ¨s`): bytes that
  are valid UTF-8 and not plain ASCII are, in practice, UTF-8; Latin-1 text
  that happens to be valid UTF-8 is vanishingly rare.
- Windows-1252 punctuation (`don\\x92t`) in files declared ISO-8859-1 or UTF-8:
  the C1 range 0x80-0x9F holds control characters in Latin-1 that no text
  uses, and Windows-1252 puts quotes and dashes there (WHATWG treats the
  label "iso-8859-1" as windows-1252 for this reason).

A source's own encoding setting (the override) is obeyed strictly: the
publisher said what the bytes are, so bytes that are not that are an error.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

from .errors import ParseError

log = logging.getLogger("wiredesk.wire")

LATIN1_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"}
)
UTF8_LABELS = frozenset({"utf-8", "utf8"})
_DECLARATION = re.compile(
    rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*([\"'])([A-Za-z0-9._:\-]{1,40})\1"
)
_C1 = re.compile(rb"[\x80-\x9f]")
_REWRITE_DECLARATION = re.compile(rb"^(\s*<\?xml[^>]{0,200}?encoding\s*=\s*)([\"'])[^\"']{0,40}\2")


def _cp1252_byte(byte: int) -> str:
    # Five bytes have no Windows-1252 character; WHATWG maps them to the C1
    # control of the same number, as Latin-1 does.
    try:
        return bytes((byte,)).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


_CP1252 = [_cp1252_byte(b) for b in range(256)]


def _utf8_else_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read one byte that is not UTF-8 as Windows-1252, then go on."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return _CP1252[error.object[error.start]], error.start + 1


codecs.register_error("wiredesk-cp1252", _utf8_else_cp1252)


def decode_mixed(data: bytes) -> str:
    """Return `data` read as UTF-8, each byte that is not UTF-8 read as Windows-1252."""
    return data.decode("utf-8", errors="wiredesk-cp1252")


# A well-formed UTF-8 sequence of two to four bytes (RFC 3629, section 4).
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_LEAD_BYTE = re.compile(rb"[\xc0-\xff]")


def decode_not_utf8(data: bytes) -> tuple[str, str]:
    """Return text that is not valid UTF-8, read as the bytes suggest, and the rule.

    Two cases look alike: a UTF-8 file with a few Windows-1252 bytes pasted
    in (stray quotes and dashes, 0x80-0xBF, that begin no sequence), and a
    file wholly in Windows-1252 (its accented letters, 0xC0-0xFF, begin no
    sequence either, and only now and then form one by chance). The letters
    tell them apart.
    """
    sequences = len(UTF8_SEQUENCE.findall(data))
    stray_letters = len(_LEAD_BYTE.findall(UTF8_SEQUENCE.sub(b"", data)))
    if sequences > stray_letters:
        return decode_mixed(data), "UTF-8 with stray bytes: those read as Windows-1252"
    return decode_cp1252(data), "not UTF-8 (its letters are single bytes): read as Windows-1252"


def decode_cp1252(data: bytes) -> str:
    """Return `data` read as Windows-1252 (its five unassigned bytes as Latin-1)."""
    return "".join(_CP1252[b] for b in data) if _has_unassigned(data) else data.decode("cp1252")


def _has_unassigned(data: bytes) -> bool:
    return any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


def decode_strict(data: bytes, encoding: str) -> str:
    """Return `data` decoded as `encoding`, or raise ParseError saying how to fix it."""
    try:
        return data.decode(encoding)
    except LookupError:
        raise ParseError(f"unknown encoding {encoding!r} configured for this source") from None
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"bytes are not valid {exc.encoding} at byte {exc.start}: {exc.reason}"
            " (the source's encoding setting names the wrong encoding)"
        ) from None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class Decoded:
    """Text (or XML bytes for the XML parser) and the rule that decided its encoding."""

    value: str | bytes
    rule: str


def decode_text(data: bytes, override: str | None = None, what: str = "text") -> Decoded:
    """Return the text of a JSON or teletype delivery (UTF-8 unless the source says otherwise)."""
    if override:
        return Decoded(decode_strict(data, override), f"the source's encoding setting ({override})")
    data = data.removeprefix(b"\xef\xbb\xbf")
    if data.isascii():
        return Decoded(data.decode("ascii"), "ASCII only")
    if _is_utf8(data):
        return Decoded(data.decode("utf-8"), "valid UTF-8")
    text, how = decode_not_utf8(data)
    rule = f"{what} is not valid UTF-8: {how}"
    log.info("encoding: %s", rule)
    return Decoded(text, rule)


def declared_encoding(data: bytes) -> str | None:
    """Return the encoding named in an XML declaration, lower-cased, or None."""
    match = _DECLARATION.match(data[:300])
    return match.group(2).decode("ascii").lower() if match else None


def _as_utf8_xml(text: str) -> bytes:
    """Return XML text as UTF-8 bytes whose declaration says UTF-8."""
    utf8 = text.lstrip("\ufeff").encode("utf-8", errors="surrogatepass")
    return _REWRITE_DECLARATION.sub(rb"\1\2UTF-8\2", utf8, count=1)


def decode_xml(data: bytes, override: str | None = None) -> Decoded:
    """Return the bytes to hand the XML parser, and the rule that decided how to read them.

    Bytes that are right as declared go to the parser untouched (it reads
    the declaration itself); bytes that are not are decoded here and handed
    over as UTF-8 with the declaration rewritten to say so.
    """
    if override:
        text = decode_strict(data, override)
        return Decoded(_as_utf8_xml(text), f"the source's encoding setting ({override})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return Decoded(data, "byte order mark (UTF-16 or UTF-32)")
    for start, codec in ((b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be")):
        if data.startswith(start):  # UTF-16 without its byte order mark (XML 1.0, appendix F)
            try:
                return Decoded(
                    _as_utf8_xml(data.decode(codec)), f"{codec} without a byte order mark"
                )
            except UnicodeDecodeError as exc:
                raise ParseError(f"bytes look like {codec} but are not: {exc.reason}") from None
    eight_bit = data[:1] != b"\x00" and data[1:2] != b"\x00"  # UTF-16 "<" is "<\0" or "\0<"
    wide_label = b"16" in data[:100] or b"32" in data[:100]  # before the pattern: it costs more
    wide = declared_encoding(data) if eight_bit and wide_label else None
    if wide and wide.startswith(("utf-16", "utf-32")):
        # Declared UTF-16 or UTF-32, but written a byte a character (the
        # declaration itself is readable ASCII): a wrong label, as browsers read it.
        text, how = (
            (data.decode("utf-8"), "valid UTF-8") if _is_utf8(data) else decode_not_utf8(data)
        )
        rule = f"declared {wide}, but the bytes are 8-bit: {how}"
        log.info("encoding: %s", rule)
        return Decoded(_as_utf8_xml(text), rule)
    if data.isascii():
        return Decoded(data, "ASCII only: read as declared")
    declared = declared_encoding(data)
    if declared is None or declared in UTF8_LABELS:
        label = "declared UTF-8" if declared else "no declaration (XML's default, UTF-8)"
        if _is_utf8(data):
            return Decoded(data, f"{label}, and valid UTF-8")
        text, how = decode_not_utf8(data)
        rule = f"{label}, but {how}"
        log.info("encoding: %s", rule)
        return Decoded(_as_utf8_xml(text), rule)
    elif declared in LATIN1_LABELS or declared in ("windows-1252", "cp1252"):
        if _is_utf8(data):
            rule = f"declared {declared}, but the bytes are valid UTF-8 (not ASCII): read as UTF-8"
            log.info("encoding: %s", rule)
            return Decoded(_as_utf8_xml(data.decode("utf-8")), rule)
        if declared in ("windows-1252", "cp1252"):
            return Decoded(_as_utf8_xml(decode_cp1252(data)), f"declared {declared}")
        if not _C1.search(data) and declared not in ("us-ascii", "ascii"):
            return Decoded(data, f"declared {declared}")
        rule = f"declared {declared}, with bytes 0x80-0x9F (Windows-1252 punctuation): read as Windows-1252"
        log.info("encoding: %s", rule)
        return Decoded(_as_utf8_xml(decode_cp1252(data)), rule)
    return Decoded(data, f"declared {declared}")
