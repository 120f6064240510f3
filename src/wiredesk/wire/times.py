"""Read the timestamps agencies write.

Times without an offset stay naive here; `normalize` gives them the agency's
time zone, because only the source knows what zone its copy is written in.
A time no agency can have meant (before 1900, after 2999, or one that cannot
be told in UTC) is read as no time at all.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

# RFC 822 zone names that email.utils does not know but feeds use.
_ZONE_NAMES = {"IST": "+0530", "CET": "+0100", "CEST": "+0200", "BST": "+0100", "JST": "+0900"}
_RFC822_ZONE = re.compile(r"\b(" + "|".join(_ZONE_NAMES) + r")\s*$")
# An offset written the ISO way in an RFC 822 date ("+05:30"), or after a
# zone name ("GMT+5:30", "UTC+05:30"): email.utils reads neither, and would
# drop the offset without a word.
_LOOSE_OFFSET = re.compile(r"\s(?:(?:GMT|UTC|UT)\s?)?([+-])(\d{1,2}):?(\d{2})\s*$")
# A one-digit hour in an ISO offset ("+5:30", as some sites write it).
_SHORT_OFFSET = re.compile(r"(T[\d:.]+[+-])(\d)(:?\d{2})$")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


def _plausible(moment: datetime | None) -> datetime | None:
    # Inside these years every offset can be told in UTC (years 1 and 9999
    # overflowed when compared or converted).
    if moment is None or not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        return None
    return moment


def parse_rfc822(text: str | None) -> datetime | None:
    """Return the time in an RSS `pubDate`, or None when it is absent or unreadable."""
    if not text or not text.strip():
        return None
    text = text.strip()[:100]
    text = _RFC822_ZONE.sub(lambda m: _ZONE_NAMES[m.group(1)], text)
    tail = text[-10:]
    if ":" in tail[-6:] or "T+" in tail or "T-" in tail or "C+" in tail or "C-" in tail:
        text = _LOOSE_OFFSET.sub(lambda m: f" {m.group(1)}{int(m.group(2)):02d}{m.group(3)}", text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return parse_iso(text) or _date_only(text)
    # email.utils marks "-0000" (zone unknown) as naive; keep it naive so the
    # agency's zone applies, as for any time without an offset.
    return _plausible(moment)


def parse_iso(text: str | None) -> datetime | None:
    """Return the time in an ISO 8601 / RFC 3339 string, or None when unreadable.

    Accepts the extended form (`2021-10-14T09:39:03+05:30`), the basic form NITF
    uses (`20211014T093903+0530`), `Z`, and a bare date.
    """
    if not text or not text.strip():
        return None
    text = text.strip()[:100]
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    elif (text[-5:-4] in ("+", "-") and text[-3:-2] == ":") or (
        text[-4:-3] in ("+", "-") and text[-3:].isdigit()
    ):
        text = _SHORT_OFFSET.sub(r"\g<1>0\2\3", text)  # "+5:30" or "+530"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if EARLIEST_YEAR <= moment.year <= LATEST_YEAR else None


def parse_iso_or_rfc822(text: str | None) -> datetime | None:
    """Return the time in a W3C (ISO 8601) or an RFC 822 date, or None when it is neither.

    Atom dates are W3C dates by the specs; publishers also write them as RSS's
    `pubDate` is written ("Thu, 14 Oct 2021 09:00:00 +0530"), as other readers accept.
    """
    return parse_iso(text) or parse_rfc822(text)


def _date_only(text: str) -> datetime | None:
    """Return a date sent without a time ("01 Jan 2004", "Thu, 01 Jan 2004"), at midnight."""
    for pattern in ("%d %b %Y", "%a, %d %b %Y", "%d %B %Y", "%a, %d %B %Y"):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment if EARLIEST_YEAR <= moment.year <= LATEST_YEAR else None
    return None
