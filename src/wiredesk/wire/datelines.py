"""Datelines: the place and day an agency story opens with, in Latin and Indian scripts.

English-language agencies write "SEOUL, Oct 14 (Reuters) -"; their Indian-language
services write the same parts in the story's script: "नई दिल्ली, 6 दिसंबर (आईएएनएस)।",
"ચેન્નઈ, 6 ડિસેમ્બર (ભાષા)", "نئی دہلی، 6 دسمبر (آئی اے این ایس)". A place, a comma
(the Arabic comma in Urdu), a day and a month name of the story's language in either
order, and the agency's credit in brackets; a danda may end it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import regex
from babel.dates import get_month_names

from .text import fold

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# "Seoul, Oct 14", "SEOUL, Oct 14 (Reuters) -", "NEW DELHI, October 14 (IANS)",
# "PARIS, Oct 14, 2021 (AFP) -", "Berlin, 14 Oct". The place is one to four
# capitalised words; the date is a month and a day (agency datelines carry no
# year or zone as a rule: the item's own times supply them).
DATELINE = re.compile(
    r"^(?P<dateline>(?P<place>[A-Z][\w.'\-]*(?:[ \-][A-Z][\w.'\-]*){0,3}"
    r"(?:,\s[A-Z][\w.'\-]*(?:\s[A-Z][\w.'\-]*){0,2})?),\s+"
    r"(?:" + _MONTH + r"\s+\d{1,2}|\d{1,2}\s+" + _MONTH + r")(?:,\s+\d{4})?"
    r"(?:\s+\((?P<agency>[^)]{1,40})\))?)"
    r"(?=\s|:|$)"
)

# The languages of India's agency services and editions (Babel's CLDR names
# their months): Hindi, Marathi, Nepali, Bengali, Assamese, Punjabi, Gujarati,
# Odia, Tamil, Telugu, Kannada, Malayalam and Urdu.
INDIAN_LANGUAGES = ("hi", "mr", "ne", "bn", "as", "pa", "gu", "or", "ta", "te", "kn", "ml", "ur")

# Spellings the agencies use beside CLDR's: a half nasal for the anusvara
# (सितम्बर for सितंबर) and the older अक्तूबर; a nukta or a zero-width joiner is
# optional in any of them (both are dropped before the month is looked up).
_MORE_MONTHS = ("सितम्बर", "नवम्बर", "दिसम्बर", "अक्तूबर")

# Characters a writer may put in or leave out of a month name without changing it.
_OPTIONAL = {ord("\u200c"): None, ord("\u200d"): None} | {
    ord(nukta): None for nukta in "\u093c\u09bc\u0a3c\u0abc\u0b3c\u0cbc"
}


def _loose(word: str) -> str:
    return unicodedata.normalize("NFD", word).translate(_OPTIONAL)


@cache
def _month_names() -> frozenset[str]:
    names = set(_MORE_MONTHS)
    for language in INDIAN_LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                names.update(get_month_names(width, context, locale=language).values())
    return frozenset(_loose(name).rstrip(".\u0970") for name in names)


# A word of any script: letters with their vowel signs and viramas (marks).
_WORD = r"\p{L}[\p{L}\p{M}.'\-]*"
INDIAN_DATELINE = regex.compile(
    r"^(?P<dateline>(?P<place>" + _WORD + r"(?:\s" + _WORD + r"){0,3})[,\u060c]\s*"
    r"(?:(?P<day>\d{1,2})\s+(?P<month>\p{L}[\p{L}\p{M}\u200c\u200d]*)|(?P<month2>\p{L}[\p{L}\p{M}\u200c\u200d]*)"
    r"[.\u0970]?\s+(?P<day2>\d{1,2}))[.\u0970]?(?:[,\u060c]?\s+\d{4})?"
    r"(?:\s*\((?P<agency>[^)]{1,40})\))?)"
    # Without capitals to tell a place from a clause, the agency's credit or a
    # sentence's end (a colon, dash, danda, double danda or Urdu full stop) must
    # follow the date.
    r"(?:(?<=\))(?=\s|:|-|[\u0964\u0965\u06d4]|$)|(?=\s*[:\-\u2013\u2014\u0964\u0965\u06d4]))"
)


def find_dateline(text: str) -> tuple[str, str] | None:
    """Return (dateline, place) opening `text`, or None when it has none.

    `place` is given in title case when the agency set it in capitals
    ("SEOUL" becomes "Seoul"); the dateline itself is returned as written.
    """
    start = fold(text[:200])
    match = DATELINE.match(start)
    if match:
        place = match.group("place")
        return match.group("dateline"), place.title() if place.isupper() else place
    match = INDIAN_DATELINE.match(start)
    if not match or match.group("place").isascii():
        return None
    month = _loose(match.group("month") or match.group("month2"))
    if month not in _month_names():
        return None
    return match.group("dateline"), match.group("place")
