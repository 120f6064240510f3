"""Template tags of the site's own words: the `lang` they are in, and the default disclaimer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from wiredesk.sources.models import DEFAULT_DISCLAIMER, Agency

from ..catalogues import words_language
from ..languages import reader_time
from .wiredesk import lang_if_other

register = template.Library()


@register.simple_tag(takes_context=True)
def words_lang(context: Any, page_language: str = "") -> str:
    """Return ` lang=".."` (and its `dir`) for the site's words on a page in another language.

    The words are in the active language where a catalogue has it, else in
    English (site/catalogues.py); the page is in `page_language`, else the
    site's (the edition's).
    """
    page = page_language or context.get("site_language") or settings.LANGUAGE_CODE
    words = words_language()
    return "" if words.lower() == page.lower() else lang_if_other(words, page)


@register.filter
def disclaimer(agency: Agency) -> str:
    """Return an agency's disclaimer: the default one in the page's language, a publisher's
    own as written (never passed to a catalogue)."""
    text = agency.disclaimer
    return gettext(DEFAULT_DISCLAIMER) if text == DEFAULT_DISCLAIMER else text


@register.filter
def exact_time(value: datetime) -> str:
    """Return a time to the second in the site's zone, as readers of the page's language write
    it, the zone named: "October 14, 2021 09:39:03 AM IST", "14 अक्टूबर 2021, 09:39:03 IST"."""
    return reader_time(timezone.localtime(value), translation.get_language() or "", seconds=True)
