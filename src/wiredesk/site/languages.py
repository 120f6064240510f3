"""What a page says of its language: the `lang` and `dir` of its parts, and its og:locale.

A story is in its own language (from the item, else its agency's, else the
site's); the site's chrome (header, navigation, "By", the disclaimer) is in the
site's. HTML's `lang` tells screen readers and fonts which is which (HTML, "The
lang and xml:lang attributes"); `dir="rtl"` lays out Urdu, Kashmiri and Sindhi
in Arabic script from the right (HTML, "The dir attribute").
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global


@cache
def _locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def direction(tag: str) -> str:
    """Return "rtl" for a language written from the right (by CLDR), else "ltr"."""
    locale = _locale(tag) if tag else None
    return "rtl" if locale is not None and locale.text_direction == "rtl" else "ltr"


@cache
def og_locale(tag: str, time_zone: str = "UTC") -> str:
    """Return the Open Graph locale of a language tag: "hi" is "hi_IN", "en-GB" "en_GB".

    Open Graph wants language_TERRITORY. A tag without a territory takes the
    site's own (the country of its time zone) where the language is spoken there,
    so an Indian site's Bengali is bn_IN; else the one CLDR's likely subtags give.
    """
    locale = _locale(tag)
    if locale is None:
        return tag.replace("-", "_")
    territory = locale.territory
    if not territory:
        home = get_global("zone_territories").get(time_zone)
        if home and locale.language in get_global("territory_languages").get(home, {}):
            territory = home
        else:
            likely = get_global("likely_subtags").get(locale.language, "")
            territory = next((part for part in likely.split("_")[1:] if part.isupper()), None)
    return f"{locale.language}_{territory}" if territory else locale.language
