"""A quarantined delivery's bytes, read on the desk: as text, line by line, the failing
line marked where the parser's reason names one.

The page shows the first SHOWN_BYTES only (a delivery may be megabytes; the
download has them all), decoded for reading, never for storing: nothing here
decides how the pipeline reads them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import pgettext

from wiredesk.ingest.models import Quarantine
from wiredesk.wire.decoding import declared_encoding, decode_mixed

from .views import desk_view

SHOWN_BYTES = 64 * 1024
# lxml's "..., line 12, column 5 (<string>, line 12)" and json's "line 4 column 1 (char 86)":
# the last line named is where the parser stopped.
_LINE = re.compile(r"\bline (\d+)")
_BREAK = re.compile(r"\r\n?|\n")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def failing_line(reason: str) -> int | None:
    """Return the line the parser's reason says it stopped at, or None."""
    found = _LINE.findall(reason)
    return int(found[-1]) if found else None


def _known(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def readable(data: bytes, override: str = "") -> tuple[str, str]:
    """Return bytes as text to read, and how they were read (in the desk's words): the feed's
    encoding setting, a byte order mark, an XML declaration, else UTF-8 (stray bytes as
    Windows-1252)."""
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    for encoding, how in (
        (_known(override), pgettext("desk", "the feed's encoding setting")),
        (bom, pgettext("desk", "its byte order mark")),
        (_known(declared_encoding(data)), pgettext("desk", "its XML declaration")),
    ):
        if encoding:
            return data.decode(encoding, errors="replace"), f"{how}, {encoding}"
    return decode_mixed(data), pgettext("desk", "UTF-8, any byte that is not as Windows-1252")


@dataclass(frozen=True)
class Line:
    """One line of the shown text."""

    number: int
    text: str
    failing: bool


def lines(text: str, failing: int | None) -> list[Line]:
    """Return the text's lines, numbered from 1, the failing one marked."""
    # Split as the parsers count lines (not str.splitlines, which also breaks at form feeds).
    parts = _BREAK.split(text.removesuffix("\n").removesuffix("\r"))
    return [Line(number, line, number == failing) for number, line in enumerate(parts, 1)]


@desk_view("ingest.view_quarantine")
def quarantine_bytes(request: HttpRequest, pk: int) -> HttpResponse:
    """A quarantined delivery's bytes on the page: the first 64 KB, escaped, lines numbered."""
    entry = get_object_or_404(Quarantine.objects.select_related("feed"), pk=pk)
    data = bytes(entry.data)
    text, how = readable(data[:SHOWN_BYTES], entry.feed.encoding if entry.feed else "")
    # The line numbers are the whole delivery's: an item's bytes cut out of it have others.
    failing = None if entry.item_id else failing_line(entry.reason)
    shown = lines(text, failing)
    return render(
        request,
        "desk/quarantine_bytes.html",
        {
            "entry": entry,
            "lines": shown,
            "how": how,
            "cut": len(data) > SHOWN_BYTES,
            "shown_bytes": min(len(data), SHOWN_BYTES),
            "stored_bytes": len(data),
            "failing": failing if failing and failing <= len(shown) else None,
            "failing_past": failing if failing and failing > len(shown) else None,
        },
    )
