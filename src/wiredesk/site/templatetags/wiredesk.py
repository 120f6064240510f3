"""Template filters: machine times in RFC 3339 with a full offset, and languages' attributes."""

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from wiredesk.wire import rfc3339 as _rfc3339
from wiredesk.wire.cuts import cut_graphemes

from ..languages import direction, font_rules, og_locale, reader_time

register = template.Library()


@register.filter
def rfc3339(value: datetime) -> str:
    """Return `value` in the site's zone as RFC 3339 (`2021-10-14T09:39:03+05:30`)."""
    return _rfc3339(timezone.localtime(value))


@register.filter
def news_language(value: str) -> str:
    """Return a Google News language code: ISO 639 ("en"), or zh-cn / zh-tw for Chinese."""
    tag = (value or settings.LANGUAGE_CODE).lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-tw" if tag in ("zh-tw", "zh-hk", "zh-hant") else "zh-cn"
    return tag.split("-")[0]


@register.filter
def local_time(value: datetime) -> str:
    """Return `value` in the site's zone as readers of the page's language write a time,
    the zone named (an edition's page is rendered in its language: site/editions.py)."""
    return reader_time(timezone.localtime(value), translation.get_language() or "")


@register.filter
def truncate_graphemes(value: str, limit: int) -> str:
    """Return `value` of at most `limit` characters, a cut one ending in "…" as
    `truncatechars` does, but between graphemes: never a letter without its vowel sign."""
    text = str(value or "")
    if len(text) <= limit:
        return text
    return cut_graphemes(text, limit - 1).rstrip() + "…"


@register.filter
def script_fonts(site_language: str, story_language: str = "") -> str:
    """Return the CSS rules for the scripts a page shows (site/languages.py font_rules)."""
    return mark_safe(font_rules(site_language or "", story_language or ""))


@register.filter
def dir_attribute(language: str) -> str:
    """Return ` dir="rtl"` for a language written from the right, else nothing."""
    return mark_safe(' dir="rtl"') if direction(language) == "rtl" else ""


@register.filter
def lang_if_other(language: str, page_language: str) -> str:
    """Return ` lang=".."` (and its `dir` where it differs) for a part in `language` on a
    page in another: the site's English header on an Urdu page reads left to right."""
    if not language or not page_language or language == page_language:
        return ""
    ours = direction(language)
    if ours == direction(page_language):
        return format_html(' lang="{}"', language)
    return format_html(' lang="{}" dir="{}"', language, ours)


@register.filter
def open_graph_locale(language: str) -> str:
    """Return og:locale for a story's language (the site's when it has none)."""
    return og_locale(language or settings.LANGUAGE_CODE, settings.TIME_ZONE)
