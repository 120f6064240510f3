"""Read the timestamps agencies write.

Times without an offset stay naive here; `normalize` gives them the agency's
time zone, because only the source knows what zone its copy is written in.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

# RFC 822 zone names that email.utils does not know but feeds use.
_ZONE_NAMES = {"IST": "+0530", "CET": "+0100", "CEST": "+0200", "BST": "+0100", "JST": "+0900"}
_RFC822_ZONE = re.compile(r"\b(" + "|".join(_ZONE_NAMES) + r")\s*$")


def parse_rfc822(text: str | None) -> datetime | None:
    """Return the time in an RSS `pubDate`, or None when it is absent or unreadable."""
    if not text or not text.strip():
        return None
    text = _RFC822_ZONE.sub(lambda m: _ZONE_NAMES[m.group(1)], text.strip())
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return parse_iso(text)
    # email.utils marks "-0000" (zone unknown) as naive; keep it naive so the
    # agency's zone applies, as for any time without an offset.
    return moment


def parse_iso(text: str | None) -> datetime | None:
    """Return the time in an ISO 8601 / RFC 3339 string, or None when unreadable.

    Accepts the extended form (`2021-10-14T09:39:03+05:30`), the basic form NITF
    uses (`20211014T093903+0530`), `Z`, and a bare date.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
