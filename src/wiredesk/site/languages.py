"""What a page says of its language: the `lang` and `dir` of its parts, its og:locale, its times.

A story is in its own language (from the item, else its agency's, else the
site's); the site's chrome (header, navigation, "By", the disclaimer) is in the
site's. HTML's `lang` tells screen readers and fonts which is which (HTML, "The
lang and xml:lang attributes"); `dir="rtl"` lays out Urdu, Kashmiri and Sindhi
in Arabic script from the right (HTML, "The dir attribute").
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_datetime
from django.utils.dates import MONTHS
from django.utils.translation import get_language, gettext


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


def reader_time(moment: datetime, language: str, *, seconds: bool = False) -> str:
    """Return a local time as a reader of `language` writes it, its zone named (to the
    second with `seconds`, as the versions page does).

    English keeps the reference page's "October 14, 2021 09:39 AM" (Django's
    own formatting, the cheaper); other languages take CLDR's month names and a
    24-hour clock: "6 दिसंबर 2026, 21:42". The zone's abbreviation follows
    ("IST"), or its offset where the zone has none.
    """
    tag = (language or "en").split("-")[0].split("_")[0]
    locale = _locale(tag)
    if tag == "en" or locale is None:
        text = _django_time(moment, seconds)
    else:
        text = format_datetime(
            moment, "d MMMM y, HH:mm:ss" if seconds else "d MMMM y, HH:mm", locale=locale
        )
    return f"{text} {moment.tzname()}"


def _django_time(moment: datetime, seconds: bool) -> str:
    """Return `moment` as Django's `dateformat` writes "F j, Y h:i A" (with ":s" before " A"
    when `seconds`), in the active language's month names and AM/PM: a list's every card
    has one, and `dateformat` parses its format anew for each."""
    clock = f"{moment.hour % 12 or 12:02d}:{moment.minute:02d}"
    if seconds:
        clock += f":{moment.second:02d}"
    months, meridiems = _time_words(get_language())
    return f"{months[moment.month]} {moment.day}, {moment.year:04d} {clock} {meridiems[moment.hour > 11]}"


# Django's own words, translated by its catalogue as `dateformat` has them: not marked
# as the site's (site/catalogues.py).
_MERIDIEMS = ("AM", "PM")


@cache
def _time_words(language: str | None) -> tuple[dict[int, str], tuple[str, str]]:
    """Return the month names and AM/PM in `language` (the active one): asked of the
    catalogue once a language, not twice a card."""
    return {n: str(name) for n, name in MONTHS.items()}, (
        gettext(_MERIDIEMS[0]),
        gettext(_MERIDIEMS[1]),
    )


# The fonts each script is drawn in, from what readers' systems carry (Noto on
# Android and Linux, Nirmala UI on Windows, the Sangam and Kohinoor families on
# Apple's): nothing is downloaded, so nothing shifts (docs/languages.md, Fonts).
_FALLBACK = "system-ui,sans-serif"
_SCRIPT_FONTS = {
    "Deva": '"Noto Sans Devanagari","Nirmala UI","Kohinoor Devanagari","Devanagari Sangam MN",Mangal',
    "Beng": '"Noto Sans Bengali","Nirmala UI","Kohinoor Bangla","Bangla Sangam MN",Vrinda',
    "Guru": '"Noto Sans Gurmukhi","Nirmala UI","Gurmukhi Sangam MN",Raavi',
    "Gujr": '"Noto Sans Gujarati","Nirmala UI","Kohinoor Gujarati","Gujarati Sangam MN",Shruti',
    "Orya": '"Noto Sans Oriya","Nirmala UI","Oriya Sangam MN",Kalinga',
    "Taml": '"Noto Sans Tamil","Nirmala UI","Tamil Sangam MN",Latha',
    "Telu": '"Noto Sans Telugu","Nirmala UI","Kohinoor Telugu","Telugu Sangam MN",Gautami',
    "Knda": '"Noto Sans Kannada","Nirmala UI","Kannada Sangam MN",Tunga',
    "Mlym": '"Noto Sans Malayalam","Nirmala UI","Malayalam Sangam MN",Kartika',
    # Urdu's Nastaliq hangs below the line: taller lines keep it from the next.
    "Arab": '"Noto Nastaliq Urdu","Jameel Noori Nastaleeq","Urdu Typesetting","Noto Naskh Arabic","Geeza Pro"',
}
_TALL_LINES = {"Arab": 2.1}
_SCRIPT_OF = {
    **dict.fromkeys(("hi", "mr", "ne", "sa", "kok", "mai", "doi", "bho"), "Deva"),
    **dict.fromkeys(("bn", "as", "mni"), "Beng"),
    "pa": "Guru",
    "gu": "Gujr",
    "or": "Orya",
    "ta": "Taml",
    "te": "Telu",
    "kn": "Knda",
    "ml": "Mlym",
    **dict.fromkeys(("ur", "ks", "sd"), "Arab"),
}
BODY_FONTS = 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif'


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


@cache
def font_rules(site_language: str, story_language: str = "") -> str:
    """Return the CSS rules a page in these languages needs: each script's own fonts.

    Only the languages a page shows get a rule (an English page carries none); a
    story in a script of its own on a site in another gets the site's words (its
    header, byline line, disclaimer) set back to the site's fonts.
    """
    rules = []
    for language in dict.fromkeys(_primary(tag) for tag in (site_language, story_language) if tag):
        script = _SCRIPT_OF.get(language)
        if script is None:
            continue
        tall = f";line-height:{_TALL_LINES[script]}" if script in _TALL_LINES else ""
        rules.append(f":lang({language}){{font-family:{_SCRIPT_FONTS[script]},{_FALLBACK}{tall}}}")
    site = _primary(site_language) if site_language else ""
    if (
        rules
        and story_language
        and site
        and site not in _SCRIPT_OF
        and site != _primary(story_language)
    ):
        rules.append(f"[lang]:lang({site}){{font-family:{BODY_FONTS};line-height:1.6}}")
    return "\n".join(rules)
